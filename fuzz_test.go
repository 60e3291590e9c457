package isolate

// FuzzOps, the fuzz test of the Isolator against a reference state machine:
// its entry, a run and its drain, the watchdog, the limits and the seed
// corpus. The drivers and the decoding of the input are in
// fuzz_driver_test.go, the model in fuzz_model_test.go, and grace periods'
// part of both in fuzz_grace_test.go. A new operation goes in all of them,
// and a seed for it here.

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"
)

// FuzzOps drives an Isolator with a sequence of operations decoded from the
// fuzz input and checks every observable result against fuzzModel, a small
// reference state machine written from the documented semantics: which
// call returns at once and which one blocks, which blocked call returns
// after each step and with what (a release, false, a context error, a
// panic that starts with "isolate: "), and what Member.Isolated says.
//
// How blocking operations are driven: each of the fuzzMembers members, and
// each of the fuzzOutsiders outsiders, is driven by a goroutine of its own,
// which runs the operations that the test sends it and sends back what
// they returned. Everything runs inside a testing/synctest bubble: after
// each operation, synctest.Wait returns once every goroutine in the bubble
// is durably blocked (parked in the Isolator, or waiting for its next
// operation). At that point the whole system is quiescent, so "this call
// blocks" is an exact, timing-free observation: a driver whose result has
// not arrived by then is blocked, and the model must say so. This keeps
// each run deterministic (no sleeps, no timeouts, no flakiness under load)
// and lets the fuzzer explore the blocking protocol, not only the
// non-blocking forms: held members, FIFO grants, full requests passed by
// plain ones, phase-fair admission on release, cancellation of waiting
// requests (explicit cancel funcs, never timers), and misuse panics.
//
// The model is deliberately independent of the implementation: it knows
// members, their scope stacks and published states (running, harmless,
// idle; waiting to isolate counts harmless, or idle for a full request or
// one made inside an idle scope), the two request queues, the owner and the
// held members, and re-runs the scheduling rule after every step:
//
//   - members held back are let through as soon as nothing holds them (an
//     isolation granted, or requested: a plain request holds members ending
//     harmless scopes; any request holds members ending idle scopes and
//     joining);
//   - then the head of the full queue is granted if every other member is
//     idle and the head of the plain queue (if any) came after it,
//     otherwise the head of the plain queue if every other member is
//     harmless or idle;
//   - a release first lets through the members it held back (those held
//     from idle only if no full request waits, or if it was a full
//     isolation), then grants the next request.
//
// Grace periods (fuzz_grace_test.go): the model knows which members each
// pending Synchronize (an outsider's, or a member's inside its Idle scope)
// still waits for, the members not idle since each Defer call, and the batch
// that the Isolator's goroutine waits for; after every step it checks that a
// Synchronize returns exactly when every member that was not idle at its
// call has been idle or left, that a cancelled SynchronizeContext returns
// its error and holds up nobody, that no deferred func runs before its
// grace period, nor out of Defer order, that a batch runs once every member
// it may wait for has been idle, and what Stats says of them all.
//
// Misuse that the model predicts to panic: ending a scope out of order or
// twice, a stale End (bound to its own scope, however many opened since),
// a stale release of any isolation (bound to its own grant or scope),
// IsolateFull inside a Harmless scope or inside a plain isolated section,
// Idle inside Harmless, Leave while isolated, any use of a Member after
// Leave (ends of the scopes that Leave closed become no-ops, once).
//
// The model follows the documentation where the implementation might not:
// Leave makes the end funcs of every open scope no-ops, however deep
// (fuzzMaxDepth is above 64 for that; see TestLeaveEndsScopesDeeperThan64).
// Ends of a membership that Leave left with no scope open are not called
// after it here (TestStaleEndAcrossMemberships covers them).
//
// Run it with
//
//	go test -run '^$' -fuzz FuzzOps -fuzztime 60s
func FuzzOps(f *testing.F) {
	for _, seed := range fuzzSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		defer fuzzWatchdog(data)()
		synctest.Test(t, func(t *testing.T) {
			newFuzzRun(t).run(data)
		})
	})
}

func (r *fuzzRun) run(data []byte) {
	for n := 0; len(data) >= 2 && n < fuzzMaxOps; n++ {
		r.step(data[0], data[1])
		data = data[2:]
	}
	r.drain()
}

// drain brings the Isolator back to rest, as the model says it can be:
// requests are cancelled where they can be, isolations released, scopes
// ended and members gone. Then every driver must be done, and an outsider
// must be able to isolate at once, every deferred func must have run, and a
// grace period must end at once.
func (r *fuzzRun) drain() {
	md := &r.model
	for round := 0; ; round++ {
		if round > 10*fuzzMaxDepth*fuzzActors {
			r.fail("drain does not converge")
		}
		progress := false
		for who := range r.actors {
			progress = r.cancel(who) || progress
		}
		if md.owner >= fuzzMembers {
			r.step(byte(foRelease), 0)
			progress = true
		}
		for i := range md.mem {
			mm := &md.mem[i]
			if md.busy[i] || !mm.joined {
				continue
			}
			progress = true
			// Sometimes Leave with scopes open, which ends them.
			if len(mm.stack) > 0 && (mm.own > 0 || (round+i)%3 > 0) {
				r.step(byte(foEnd), byte(i))
			} else {
				r.step(byte(foLeave), byte(i))
			}
		}
		if !progress {
			break
		}
	}
	for who := range r.actors {
		if md.busy[who] {
			r.fail("%s is still blocked after the drain", actorName(who))
		}
		close(r.actors[who].in)
	}
	release, ok := r.iso.TryIsolate()
	if !ok {
		r.fail("TryIsolate fails after every member left")
	}
	release()
	if g := &md.grace; g.active() || g.ran != len(g.defs) {
		r.fail("deferred funcs pending after every member left: %d of %d ran", g.ran, len(g.defs))
	}
	r.iso.Synchronize()
}

// fuzzHang is how long one input may run before the watchdog declares a
// hang: a goroutine that never blocks durably (a spin, a mutex deadlock)
// keeps synctest.Wait from returning.
const fuzzHang = 20 * time.Second

// fuzzWatchdog crashes the process, which makes the fuzzer keep the input,
// if the run on data does not end within fuzzHang; call the returned func
// when it ends.
func fuzzWatchdog(data []byte) (stop func()) {
	done := make(chan struct{})
	go func() {
		select {
		case <-done:
		case <-time.After(fuzzHang):
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "FuzzOps: input %q hangs; goroutines:\n%s\n", data, buf)
			panic("FuzzOps: hang")
		}
	}()
	return func() { close(done) }
}

const (
	fuzzMembers   = 3
	fuzzOutsiders = 2
	fuzzActors    = fuzzMembers + fuzzOutsiders
	fuzzMaxOps    = 128
	fuzzMaxDepth  = 70 // deeper than 64: Leave's bookkeeping of open scopes
	fuzzHistory   = 32 // end funcs remembered per member, for misuse
)

// panicked returns what f panics with, nil if it returns.
func panicked(f func()) any {
	return runOp(func() fuzzOutcome { f(); return fuzzOutcome{} }).panicked
}

// Seed helpers: the (op, arg) pair of each kind of operation.
func seedOp(op fuzzOp, i int) []byte { return []byte{byte(op), byte(i)} }

func seedIsolate(i, v int) []byte { return []byte{byte(foIsolate), byte(i + fuzzMembers*v)} }

// seedIsolateScope isolates member i through IsolateScope (see step).
func seedIsolateScope(i int) []byte {
	return []byte{byte(foIsolate), byte(i + fuzzMembers*len(fuzzVariants))}
}

func seedEndEarlier(i, n int) []byte { return []byte{byte(foEndEarlier), byte(i + fuzzMembers*n)} }

func seedOutsider(j, v int) []byte { return []byte{byte(foOutsider), byte(j + fuzzOutsiders*v)} }

func seedCancel(member, outsider int) []byte {
	return []byte{byte(foCancel), byte(member + fuzzMembers*outsider)}
}

// seedSync synchronizes as actor who (outsider j is fuzzMembers+j) in the
// way fuzzSyncVariants[v]; seedDefer defers n funcs at once.
func seedSync(who, v int) []byte { return []byte{byte(foSync), byte(who + fuzzActors*v)} }

func seedDefer(n int) []byte { return []byte{byte(foDefer), byte(n - 1)} }

var seedRelease = []byte{byte(foRelease), 0}

// fuzzSeeds are hand-written inputs for the seed corpus, besides what the
// fuzzer found (testdata/fuzz/FuzzOps).
var fuzzSeeds = [][]byte{
	// IsolateScope (a plain isolation whose Scope's End releases it):
	// waiting for a running member, nested in its own section, with a
	// harmless scope inside; ends out of order, twice, stale.
	slices.Concat(seedOp(foJoin, 0), seedOp(foJoin, 1), seedIsolateScope(0), seedOp(foHarmless, 1),
		seedIsolateScope(0), seedOp(foHarmless, 0), seedEndEarlier(0, 0), seedOp(foEnd, 0), seedOp(foEnd, 0),
		seedEndEarlier(0, 0), seedOp(foEnd, 0), seedEndEarlier(0, 1), seedOp(foEnd, 1), seedOp(foLeave, 0), seedOp(foLeave, 1)),
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
