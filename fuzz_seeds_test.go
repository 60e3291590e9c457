package isolate

import "slices"

// The seed corpus of FuzzOps (fuzz_test.go).

// Seed helpers: the (op, arg) pair of each kind of operation.
func seedOp(op fuzzOp, i int) []byte { return []byte{byte(op), byte(i)} }
func seedIsolate(i, v int) []byte    { return []byte{byte(foIsolate), byte(i + fuzzMembers*v)} }
func seedEndEarlier(i, n int) []byte { return []byte{byte(foEndEarlier), byte(i + fuzzMembers*n)} }
func seedOutsider(j, v int) []byte   { return []byte{byte(foOutsider), byte(j + fuzzOutsiders*v)} }
func seedCancel(member, outsider int) []byte {
	return []byte{byte(foCancel), byte(member + fuzzMembers*outsider)}
}

// seedSync synchronizes as actor who (outsider j is fuzzMembers+j) in the
// way fuzzSyncVariants[v]; seedDefer defers n funcs at once.
func seedSync(who, v int) []byte { return []byte{byte(foSync), byte(who + fuzzActors*v)} }
func seedDefer(n int) []byte     { return []byte{byte(foDefer), byte(n - 1)} }

var seedRelease = []byte{byte(foRelease), 0}

// fuzzSeeds are hand-written inputs for the seed corpus, besides what the
// fuzzer found (testdata/fuzz/FuzzOps).
var fuzzSeeds = [][]byte{
	// A member isolates while another runs; the other becomes harmless
	// and the grant follows.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedIsolate(0, fvPlain), seedOp(foHarmless, 1),
		seedOp(foEnd, 0), seedOp(foEnd, 1), seedOp(foLeave, 0), seedOp(foLeave, 1)),
	// An outsider waits for a running member, which polls and is held
	// until the release.
	slices.Concat(seedOp(foJoin, 0), seedOutsider(0, fvPlain), seedOp(foPoll, 0), seedRelease, seedOp(foLeave, 0)),
	// Phase fairness: a member held by an isolation runs before the next
	// request is granted.
	slices.Concat(seedOp(foJoin, 0), seedOp(foHarmless, 0), seedOutsider(0, fvPlain), seedOp(foEnd, 0),
		seedOutsider(1, fvPlain), seedRelease, seedOp(foHarmless, 0), seedRelease, seedOp(foEnd, 0), seedOp(foLeave, 0)),
	// A request cancelled while another isolation runs: the member is
	// held until the release, then sees the context error.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedOutsider(0, fvPlain), seedIsolate(1, fvCtx),
		seedOp(foHarmless, 0), seedCancel(1, 1), seedRelease, seedOp(foEnd, 0), seedOp(foLeave, 0), seedOp(foLeave, 1)),
	// A full request waits for a harmless member to go idle; a plain one
	// passes it meanwhile; members ending idle wait for the full one.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedOp(foIdle, 0), seedOp(foHarmless, 1),
		seedOutsider(0, fvFull), seedOutsider(1, fvPlain), seedRelease, seedOp(foEnd, 0), seedOp(foEnd, 1),
		seedOp(foIdle, 1), seedRelease, seedOp(foEnd, 1), seedOp(foLeave, 0), seedOp(foLeave, 1)),
	// Nesting inside the member's own isolation, and misuse: IsolateFull
	// in a plain section, a release called twice, out of order ends.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedOp(foIdle, 1), seedIsolate(0, fvPlain),
		seedOp(foHarmless, 0), seedIsolate(0, fvPlain), seedIsolate(0, fvTry), seedIsolate(0, fvFull),
		seedOp(foPoll, 0), seedOp(foEnd, 0), seedOp(foEnd, 0), seedEndEarlier(0, 0), seedOp(foEnd, 0),
		seedOp(foEnd, 0), seedEndEarlier(0, 0), seedOp(foEnd, 1), seedOp(foLeave, 0), seedOp(foLeave, 1)),
	// Leave inside open scopes: their ends are no-ops once, then panic;
	// the left member panics on every use.
	slices.Concat(seedOp(foJoin, 0), seedOp(foHarmless, 0), seedOp(foHarmless, 0), seedOp(foLeave, 0),
		seedEndEarlier(0, 0), seedEndEarlier(0, 1), seedEndEarlier(0, 0), seedOp(foLeave, 0),
		seedOp(foHarmless, 0), seedOp(foIdle, 0), seedOp(foPoll, 0), seedIsolate(0, fvTry), seedOp(foJoin, 0), seedOp(foLeave, 0)),
	// TryIsolate: fails while a member runs or a request waits, succeeds
	// when all are harmless; a stale outsider release panics.
	slices.Concat(seedOp(foJoin, 0), seedOutsider(0, fvTry), seedIsolate(0, fvTry), seedOp(foEnd, 0),
		seedOp(foIdle, 0), seedOutsider(0, fvTry), seedRelease, seedRelease, seedOp(foJoin, 1),
		seedOutsider(1, fvCancelled), seedOutsider(1, fvFullCtx), seedOutsider(0, fvTry), seedCancel(2, 1),
		seedOp(foLeave, 1), seedOp(foEnd, 0), seedOp(foLeave, 0)),
	// A member joins during an isolation: held until the release.
	slices.Concat(seedOutsider(0, fvPlain), seedOp(foJoin, 0), seedRelease, seedOp(foLeave, 0)),
	// A grace period waits for the running and the harmless member, not
	// for the idle one nor for the one that joins after it began; an idle
	// scope ends the wait for a member, a harmless one does not.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedOp(foJoin, 2), seedOp(foIdle, 2), seedOp(foHarmless, 1),
		seedSync(fuzzMembers, 0), seedOp(foEnd, 2), seedOp(foLeave, 2), seedOp(foJoin, 2), seedOp(foHarmless, 0),
		seedOp(foEnd, 0), seedOp(foIdle, 0), seedOp(foEnd, 0), seedOp(foEnd, 1), seedOp(foIdle, 1), seedOp(foEnd, 1),
		seedOp(foLeave, 0), seedOp(foLeave, 1), seedOp(foLeave, 2)),
	// A member synchronizes inside its Idle scope; nobody waits for the
	// grace periods: an isolation, a Poll held by it, a cancelled
	// SynchronizeContext that leaves no trace.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedOp(foIdle, 0), seedSync(0, 0),
		seedSync(fuzzMembers+1, 1), seedOutsider(0, fvPlain), seedOp(foPoll, 1), seedCancel(2, 1), seedRelease,
		seedSync(fuzzMembers+1, 2), seedOp(foIdle, 1), seedOp(foEnd, 1), seedOp(foEnd, 0), seedOp(foLeave, 0),
		seedOp(foLeave, 1)),
	// The grace period looks at one member at a time (member 0's slot
	// first): what member 1 does meanwhile is not missed, be it a brief
	// idle scope or a Leave whose slot the next member takes.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedSync(fuzzMembers, 0), seedOp(foIdle, 1),
		seedOp(foEnd, 1), seedOp(foIdle, 0), seedOp(foEnd, 0), seedSync(fuzzMembers, 0), seedOp(foLeave, 1),
		seedOp(foJoin, 2), seedOp(foIdle, 0), seedOp(foEnd, 0), seedOp(foLeave, 0), seedOp(foLeave, 2)),
	// Waiting in a full isolation ends the wait for a member, and so does
	// Leave.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedSync(fuzzMembers, 1), seedIsolate(0, fvFull),
		seedOp(foLeave, 1), seedOp(foEnd, 0), seedOp(foLeave, 0)),
	// Deferred funcs: the first waits for the running member; those
	// deferred meanwhile share the next grace period, which begins once
	// the first ran and waits for the member that joined since.
	slices.Concat(seedOp(foJoin, 0), seedDefer(1), seedDefer(3), seedOp(foJoin, 1), seedDefer(2),
		seedOp(foIdle, 0), seedOp(foHarmless, 1), seedOp(foEnd, 1), seedOp(foIdle, 1), seedOp(foEnd, 1),
		seedOp(foEnd, 0), seedOp(foLeave, 0), seedDefer(1), seedOp(foLeave, 1)),
	// A member joins idle during a full isolation; its busy scope waits
	// for the release, keeps a grace period and a plain request waiting,
	// and its end makes it idle again: a full isolation passes it.
	slices.Concat(seedOutsider(0, fvFull), seedOp(foJoinIdle, 0), seedOp(foBusy, 0), seedRelease,
		seedSync(fuzzMembers+1, 0), seedOutsider(0, fvPlain), seedOp(foEnd, 0), seedRelease,
		seedOutsider(0, fvFull), seedRelease, seedOp(foLeave, 0)),
	// Busy inside Harmless and inside an own isolated section from Idle;
	// a stale busy end; Leave with a busy scope open.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoinIdle, 1), seedOp(foHarmless, 0), seedOp(foBusy, 0),
		seedOp(foIdle, 0), seedOp(foEnd, 0), seedOp(foEnd, 0), seedOp(foEnd, 0), seedOp(foBusy, 1),
		seedIsolate(1, fvFull), seedOp(foBusy, 1), seedOp(foEnd, 1), seedOp(foEnd, 1), seedOp(foEnd, 1),
		seedEndEarlier(1, 0), seedOp(foBusy, 1), seedOp(foLeave, 1), seedEndEarlier(1, 0), seedOp(foLeave, 0)),
}
