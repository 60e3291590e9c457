package isolate

// Helpers shared by the tests of several concepts: ops and actors, which
// run calls on goroutines of their own so that a test can tell whether a
// call blocks; views of an Isolator's queues and held members; the panic
// messages of misuse and the snapshot that shows a misuse changed nothing;
// crowds of parked members; and the storm and Barrier helpers of the
// stress tests. A helper that one file uses goes in that file; the
// techniques keep their own (bench_helpers_test.go, fuzz_*_test.go,
// torture_*_test.go), and the diag_ files theirs (diag_stall_test.go).
//
// The focused tests (most member_, scope_, isolate_ and grace_ tests) drive
// members on actors and check who is blocked and who is not. They run in
// testing/synctest bubbles and never assert on time: "blocked" means "has
// not returned once every goroutine of the test is durably blocked"
// (synctest.Wait), exact on any machine; "returns" allows a generous
// timeout, in the bubble's fake time.

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

// patience is how long a call that must return may take before the test
// fails.
const patience = 5 * time.Second

// An op is a call running on another goroutine.
type op struct {
	done chan struct{}
	// panicked is what the call panicked with, nil if it returned.
	panicked any
}

// goOp runs f on a goroutine of its own.
func goOp(f func()) *op {
	o := &op{done: make(chan struct{})}
	go o.run(f)
	return o
}

func (o *op) run(f func()) {
	defer close(o.done)
	defer func() { o.panicked = recover() }()
	f()
}

func (o *op) finished() bool {
	select {
	case <-o.done:
		return true
	default:
		return false
	}
}

// blocked fails the test if the call has returned once every goroutine of
// the test's bubble is durably blocked.
func (o *op) blocked(t *testing.T, what string) {
	t.Helper()
	synctest.Wait()
	if o.finished() {
		t.Fatalf("%s: returned, want it blocked", what)
	}
}

// wait fails the test unless the call returns, without panicking, within
// patience.
func (o *op) wait(t *testing.T, what string) {
	t.Helper()
	select {
	case <-o.done:
	case <-time.After(patience):
		t.Fatalf("%s: still blocked after %v", what, patience)
	}
	require.Nil(t, o.panicked, "%s panicked", what)
}

// An actor is a goroutine that owns members: it runs the funcs it is given,
// one after the other, so that a member's methods and end funcs are all
// called from one goroutine while the test goroutine watches.
type actor struct {
	fs     chan *actorCall
	exited chan struct{}
}

type actorCall struct {
	op
	f func()
}

// newActor starts an actor that stops when the test ends.
func newActor(t *testing.T) *actor {
	a := &actor{fs: make(chan *actorCall, 16), exited: make(chan struct{})}
	go func() {
		defer close(a.exited)
		for c := range a.fs {
			c.run(c.f)
		}
	}()
	t.Cleanup(func() {
		close(a.fs)
		select {
		case <-a.exited:
		case <-time.After(patience):
			t.Errorf("an actor is still blocked at the end of the test")
		}
	})
	return a
}

// start queues f on the actor and returns its op.
func (a *actor) start(f func()) *op {
	c := &actorCall{op: op{done: make(chan struct{})}, f: f}
	a.fs <- c
	return &c.op
}

// do runs f on the actor and waits for it to return.
func (a *actor) do(t *testing.T, what string, f func()) {
	t.Helper()
	a.start(f).wait(t, what)
}

// join makes the actor a member of iso, waiting for Join to return.
func (a *actor) join(t *testing.T, iso *Isolator) Member {
	t.Helper()
	var m Member
	a.do(t, "Join", func() { m = iso.Join() })
	return m
}

// joinIdle makes the actor a member of iso, idle, as JoinIdle does.
func (a *actor) joinIdle(t *testing.T, iso *Isolator) Member {
	t.Helper()
	var m Member
	a.do(t, "JoinIdle", func() { m = iso.JoinIdle() })
	return m
}

// endWaitsOut checks that an isolation obtained with isolate proceeds at
// once, that end (a scope end of the actor's member) then blocks until its
// release, and returns after it.
func (a *actor) endWaitsOut(t *testing.T, isolate func() func(), end func(), what string) {
	t.Helper()
	var rel func()
	isolateOp(isolate, &rel).wait(t, "isolation while "+what)
	e := a.start(end)
	e.blocked(t, "scope end during that isolation")
	rel()
	e.wait(t, "scope end after the release")
}

// isolateOp starts an outsider's isolate (Isolate, IsolateFull, ...) on a
// goroutine of its own; *release receives what it returned.
func isolateOp(isolate func() func(), release *func()) *op {
	return goOp(func() { *release = isolate() })
}

// panicOf calls f and returns what it panicked with, nil if it returned.
func panicOf(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// eventually waits for cond, failing the test after a generous timeout.
func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, time.Millisecond, what)
}

// queued reports the requests pending in iso, plain and full, and the
// members it holds back.
func queued(iso *Isolator) (plain, full, held int) {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	return iso.plainQ.len(), iso.fullQ.len(), len(iso.held)
}

// waitQueued waits until iso has plain and full requests pending, and then
// until they have waited starveAfter: a release then hands off to the
// oldest rather than waking it to ask again and letting a request made
// meanwhile barge in (barge.go), which is the order most tests check.
// Tests of barging make requests patient first (patientRequests).
func waitQueued(t *testing.T, iso *Isolator, plain, full int) {
	t.Helper()
	eventually(t, func() bool {
		p, f, _ := queued(iso)
		return p == plain && f == full
	}, fmt.Sprintf("%d plain and %d full requests pending", plain, full))
	if !requestsPatient {
		time.Sleep(starveAfter)
	}
}

// waitHeld waits until iso holds n members back.
func waitHeld(t *testing.T, iso *Isolator, n int) {
	t.Helper()
	eventually(t, func() bool {
		_, _, h := queued(iso)
		return h == n
	}, fmt.Sprintf("%d members held back", n))
}

// granted reports whether an isolation of iso is in progress.
func granted(iso *Isolator) bool {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	return iso.owner != nil
}

// isolatesAtOnce checks that an outsider's TryIsolate succeeds on iso (no
// isolation held or queued, no member in its way), and releases it.
func isolatesAtOnce(t *testing.T, iso *Isolator, msgAndArgs ...any) {
	t.Helper()
	r, ok := iso.TryIsolate()
	require.True(t, ok, msgAndArgs...)
	r()
}

// len returns the number of groups in t, holes included.
func (t *slotTable) len() int {
	if t == nil {
		return 0
	}
	return len(t.groups)
}

// endOf turns a scope opener into one that returns the scope's End, for
// tests that treat scopes and isolations alike.
func endOf(open func(Member) Scope) func(Member) func() {
	return func(m Member) func() { return open(m).End }
}

// parkHarmless starts n members of iso, each parked in a harmless scope
// until the returned stop is called.
func parkHarmless(tb testing.TB, iso *Isolator, n int) (stop func()) {
	tb.Helper()
	return parkIn(iso, n, endOf(Member.Harmless))
}

// parkIn starts n members of iso, each parked in the scope that open opens
// until the returned stop is called.
func parkIn(iso *Isolator, n int, open func(Member) func()) (stop func()) {
	var ready, done sync.WaitGroup
	quit := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for range n {
		go func() {
			defer done.Done()
			m := iso.Join()
			end := open(m)
			ready.Done()
			<-quit
			end()
			m.Leave()
		}()
	}
	ready.Wait()
	return func() {
		close(quit)
		done.Wait()
	}
}

// The panic messages of misuse, after "isolate: ": the misuse table
// (scope_misuse_test.go) and the tests of stale ends, releases and handles
// look for them.
const (
	msgHarmlessTwice  = "Harmless scope ended twice or out of order"
	msgIdleTwice      = "Idle scope ended twice or out of order"
	msgBusyTwice      = "Busy scope ended twice or out of order"
	msgReleaseTwice   = "isolation released twice or out of order"
	msgNotHeld        = "release of an isolation that is not held"
	msgAfterLeave     = "use of a Member after Leave"
	msgLeaveIsolated  = "Leave while isolated"
	msgNilContext     = "nil Context"
	msgFullInHarmless = "IsolateFull inside a Harmless scope"
	msgTooDeep        = "1000 scopes open at once"
)

// misuseState is what a misuse must leave unchanged.
type misuseState struct {
	gate              gateBits
	owner             *request
	grants            uint64
	plain, full, held int
	state             *member // the handle's
	mode              mode
	word              stateBits
	depth, own, stack int
	ownFull, left     bool
	scopes            []scope
	top               uint64
	leaveEnded        []leftSnapshot
	gatePtr           bool // the member's gate is the Isolator's
	freeRequests      int
}

// leftSnapshot is a scope that Leave ended, as misuseState records it.
type leftSnapshot struct {
	tag   uint64
	ended bool
}

// snapshot records what a misuse by m must leave unchanged in iso and in
// m's member state.
func snapshot(iso *Isolator, m Member) misuseState {
	s := misuseState{gate: iso.gate.load()}
	s.plain, s.full, s.held = queued(iso)
	iso.mu.Lock()
	s.owner = iso.owner
	if s.owner != nil {
		s.grants = s.owner.grants
	}
	s.freeRequests = len(iso.freeRequests)
	iso.mu.Unlock()
	st := m.mb
	s.state = st
	s.mode = st.mode
	if st.word != nil {
		s.word = st.word.load()
	}
	s.depth, s.own, s.stack = st.depth, st.own, len(st.stack)
	s.ownFull, s.left = st.ownFull, st.left.Load()
	s.scopes = slices.Clone(st.stack[:st.depth])
	s.top = st.loadTop()
	for i := range st.leaveEnded {
		e := &st.leaveEnded[i]
		s.leaveEnded = append(s.leaveEnded, leftSnapshot{e.tag, e.ended.Load()})
	}
	s.gatePtr = m.gate == &iso.gate
	return s
}

// stormFor lets the goroutines of wg, which return once stop is set, run
// for d, then stops them: if they have not all returned within hang, the
// test fails with every goroutine's stack (a deadlock or a lost wake-up).
// The stress tests of grace periods and the torture_ tests run this way.
func stormFor(t *testing.T, iso *Isolator, d time.Duration, stop *atomic.Bool, wg *sync.WaitGroup, hang time.Duration) {
	t.Helper()
	time.Sleep(d)
	stop.Store(true)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(hang):
		buf := make([]byte, 1<<22)
		n := runtime.Stack(buf, true)
		t.Fatalf("stuck: %+v\n%s", iso.Stats(), buf[:min(n, 200000)])
	}
}

// barrierWithin waits (Barrier) until every func deferred on iso so far has
// run, and returns the Stats then; the test fails if Barrier still waits
// after within.
func barrierWithin(t *testing.T, iso *Isolator, within time.Duration) Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	if err := iso.BarrierContext(ctx); err != nil {
		t.Errorf("deferred funcs still pending after %v: %v", within, err)
	}
	return iso.Stats()
}
