package isolate

import (
	"fmt"
	"os"
	"runtime"
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

// TestLeaveEndsScopesDeeperThan64 is what FuzzOps's model predicts for a
// member that leaves inside more than 64 open scopes: Leave ends them all,
// and each end func then does nothing, once.
func TestLeaveEndsScopesDeeperThan64(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	ends := make([]func(), 66)
	for d := range ends {
		ends[d] = m.Harmless().End
	}
	m.Leave()
	var failed []int
	for d := len(ends) - 1; d >= 0; d-- {
		if panicked(ends[d]) != nil {
			failed = append(failed, d)
		}
	}
	if len(failed) > 0 {
		t.Errorf("after Leave, the end funcs of the scopes at depths %v panic instead of doing nothing", failed)
	}
	for d := range ends {
		if panicked(ends[d]) == nil {
			t.Errorf("the end func of depth %d, called twice after Leave, does not panic", d)
		}
	}
}

// panicked returns what f panics with, nil if it returns.
func panicked(f func()) any {
	return runOp(func() fuzzOutcome { f(); return fuzzOutcome{} }).panicked
}
