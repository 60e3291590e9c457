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
}
