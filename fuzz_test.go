//go:build go1.25

package isolate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
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
// Misuse that the model predicts to panic: ending a scope out of order or
// twice (end funcs are one per depth and kind, as documented), IsolateFull
// inside a plain isolated section, Idle inside Harmless, Leave while
// isolated, any use of a Member after Leave (ends of the scopes that Leave
// closed become no-ops, once), releasing an outsider isolation that is not
// held.
//
// The model follows the documentation where the implementation might not:
// Leave makes the end funcs of every open scope no-ops, however deep
// (fuzzMaxDepth is above 64 for that; see TestLeaveEndsScopesDeeperThan64).
// Where the documentation states a limit, the model has it too: end funcs
// are cached per depth and kind, so a stale end func of a closed scope ends
// a newer scope of the same kind at the same depth; any outsider's release
// releases whichever outsider isolation is held.
//
// The file needs Go 1.25 (testing/synctest); go.mod allows older Go, which
// skips it.
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

// Published member states in the model.
const (
	fmRunning uint8 = iota
	fmHarmless
	fmIdle
)

// What an operation, or a blocked operation when it completes, results in.
type fuzzResult uint8

const (
	frBlocked fuzzResult = iota // did not return (yet)
	frOK                        // returned normally (a release, an end, ...)
	frFailed                    // TryIsolate returned false
	frCtxErr                    // returned an error that wraps context.Canceled
	frPanic                     // panicked with "isolate: ..."
)

func (r fuzzResult) String() string {
	return [...]string{"blocked", "ok", "failed", "ctx error", "panic"}[r]
}

// What a blocked member waits for.
type fuzzWait uint8

const (
	fwNone      fuzzWait = iota
	fwHeld               // held back ending a scope, in Poll or in Join
	fwRequest            // its isolation request is pending
	fwWithdrawn          // its request was cancelled; held until no grant
)

type fuzzScope struct {
	kind  scopeKind
	holds bool  // the isolate scope that holds the grant
	prev  uint8 // the member's state when it opened
}

type fuzzMember struct {
	joined     bool
	mode       uint8 // running, harmless or idle, as its scopes make it
	stack      []fuzzScope
	own        int // depth+1 of the scope that holds the grant, 0 if none
	ownFull    bool
	leaveEnded []bool // the scopes that Leave ended, by depth
	wait       fuzzWait
	heldFrom   uint8
}

// fuzzModel is the reference state machine. Actors 0 to fuzzMembers-1 are
// members, the others outsiders.
type fuzzModel struct {
	mem    [fuzzMembers]fuzzMember
	busy   [fuzzActors]bool // the actor's driver is blocked
	full   [fuzzActors]bool // the actor's request is full
	mode   [fuzzActors]uint8
	plainQ []int
	fullQ  []int
	// ticket is the arrival order of each actor's request, from tickets.
	ticket  [fuzzActors]int
	tickets int
	owner   int // the actor that is isolated, -1 if none
	// ownerFull tells the kind of the owner's isolation (an outsider may
	// hold one while it requests another).
	ownerFull bool
	held      []int
	// done collects the results of blocked operations that complete
	// during the current step.
	done map[int]fuzzResult
}

func (m *fuzzModel) granted() bool { return m.owner >= 0 }

func (m *fuzzModel) quiet() bool {
	return m.owner < 0 && len(m.plainQ) == 0 && len(m.fullQ) == 0
}

// holds reports whether the current requests keep a member in state from
// (harmless or idle) from running.
func (m *fuzzModel) holds(from uint8) bool {
	if m.granted() || len(m.plainQ) > 0 {
		return true
	}
	return from == fmIdle && len(m.fullQ) > 0
}

// pub is the state member i publishes, as isolators see it.
func (m *fuzzModel) pub(i int) uint8 {
	mm := &m.mem[i]
	switch mm.wait {
	case fwHeld, fwWithdrawn:
		return mm.heldFrom
	case fwRequest:
		if m.full[i] || m.mode[i] == fmIdle {
			return fmIdle
		}
		return fmHarmless
	}
	return mm.mode
}

// othersAre reports whether every joined member but who publishes a state
// that ok accepts.
func (m *fuzzModel) othersAre(who int, ok func(uint8) bool) bool {
	for i := range m.mem {
		if i != who && m.mem[i].joined && !ok(m.pub(i)) {
			return false
		}
	}
	return true
}

func (m *fuzzModel) complete(who int, r fuzzResult) {
	m.busy[who] = false
	m.done[who] = r
}

func (m *fuzzModel) schedule() {
	if m.owner >= 0 {
		return
	}
	m.admit(func(from uint8) bool { return !m.holds(from) })
	fullOK := len(m.fullQ) > 0 && m.othersAre(m.fullQ[0], func(s uint8) bool { return s == fmIdle })
	plainOK := len(m.plainQ) > 0 && m.othersAre(m.plainQ[0], func(s uint8) bool { return s != fmRunning })
	switch {
	case fullOK && (len(m.plainQ) == 0 || m.ticket[m.fullQ[0]] < m.ticket[m.plainQ[0]]):
		m.grant(m.fullQ[0])
	case plainOK:
		m.grant(m.plainQ[0])
	}
}

// admit lets the held members for which may holds run.
func (m *fuzzModel) admit(may func(from uint8) bool) {
	kept := m.held[:0]
	for _, i := range m.held {
		mm := &m.mem[i]
		if !may(mm.heldFrom) {
			kept = append(kept, i)
			continue
		}
		r := frOK
		if mm.wait == fwWithdrawn {
			r = frCtxErr
		}
		mm.wait, mm.mode = fwNone, fmRunning
		m.complete(i, r)
	}
	m.held = kept
}

func (m *fuzzModel) hold(i int, from uint8, w fuzzWait) {
	m.mem[i].wait, m.mem[i].heldFrom = w, from
	m.busy[i] = true
	m.held = append(m.held, i)
}

func unqueue(q []int, who int) []int {
	for k, x := range q {
		if x == who {
			return append(q[:k:k], q[k+1:]...)
		}
	}
	panic("fuzz model: request not queued")
}

func (m *fuzzModel) queue(who int) *[]int {
	if m.full[who] {
		return &m.fullQ
	}
	return &m.plainQ
}

func (m *fuzzModel) grant(who int) {
	q := m.queue(who)
	*q = unqueue(*q, who)
	m.owner, m.ownerFull = who, m.full[who]
	if who < fuzzMembers {
		mm := &m.mem[who]
		mm.wait = fwNone
		mm.own, mm.ownFull = len(mm.stack)+1, m.full[who]
		mm.stack = append(mm.stack, fuzzScope{kind: kindIsolate, holds: true, prev: mm.mode})
	}
	m.complete(who, frOK)
}

func (m *fuzzModel) release() {
	full := m.ownerFull
	m.owner = -1
	fullPending := len(m.fullQ) > 0
	m.admit(func(from uint8) bool { return from == fmHarmless || full || !fullPending })
	m.schedule()
}

// withdraw takes back the pending request of who, whose context ended (or
// whose TryIsolate failed: try is set).
func (m *fuzzModel) withdraw(who int, try bool) {
	q := m.queue(who)
	*q = unqueue(*q, who)
	switch {
	case who < fuzzMembers && m.mode[who] == fmRunning && m.granted():
		m.hold(who, fmHarmless, fwWithdrawn)
	case try:
		if who < fuzzMembers {
			m.mem[who].wait = fwNone
		}
		m.complete(who, frFailed)
	default:
		if who < fuzzMembers {
			m.mem[who].wait = fwNone
		}
		m.complete(who, frCtxErr)
	}
	m.schedule()
}

// Isolation variants, as decoded from the input.
type fuzzVariant struct {
	full, try, cancellable, cancelled bool
}

// Indexes into fuzzVariants.
const (
	fvPlain         = iota // Isolate
	fvFull                 // IsolateFull
	fvCtx                  // IsolateContext, cancelled by foCancel
	fvFullCtx              // IsolateFullContext, cancelled by foCancel
	fvTry                  // TryIsolate
	fvCancelled            // IsolateContext, context done already
	fvFullCancelled        // IsolateFullContext, context done already
)

var fuzzVariants = [...]fuzzVariant{
	fvPlain:         {},
	fvFull:          {full: true},
	fvCtx:           {cancellable: true},
	fvFullCtx:       {full: true, cancellable: true},
	fvTry:           {try: true},
	fvCancelled:     {cancelled: true},
	fvFullCancelled: {full: true, cancelled: true},
	7:               {cancellable: true},
}

func (v fuzzVariant) String() string {
	var b strings.Builder
	switch {
	case v.try:
		return "TryIsolate"
	case v.full:
		b.WriteString("IsolateFull")
	default:
		b.WriteString("Isolate")
	}
	if v.cancellable || v.cancelled {
		b.WriteString("Context")
	}
	if v.cancelled {
		b.WriteString(" (done already)")
	}
	return b.String()
}

// request models an isolation request by who (member or outsider).
func (m *fuzzModel) request(who int, v fuzzVariant) fuzzResult {
	if v.cancelled {
		return frCtxErr
	}
	if v.try && !m.quiet() {
		return frFailed
	}
	m.full[who] = v.full
	m.busy[who] = true
	if who < fuzzMembers {
		m.mode[who] = m.mem[who].mode
		m.mem[who].wait = fwRequest
	}
	m.tickets++
	m.ticket[who] = m.tickets
	q := m.queue(who)
	*q = append(*q, who)
	m.schedule()
	if m.owner != who && v.try {
		m.withdraw(who, true)
	}
	return m.take(who)
}

// take returns the result that the operation of who has by now, taking it
// out of done: frBlocked if it has none.
func (m *fuzzModel) take(who int) fuzzResult {
	r, ok := m.done[who]
	if !ok {
		return frBlocked
	}
	delete(m.done, who)
	return r
}

func (m *fuzzModel) memberIsolate(i int, v fuzzVariant) fuzzResult {
	mm := &m.mem[i]
	switch {
	case !mm.joined:
		return frPanic
	case mm.own > 0:
		if v.full && !mm.ownFull {
			return frPanic
		}
		mm.stack = append(mm.stack, fuzzScope{kind: kindIsolate, prev: mm.mode})
		return frOK
	}
	return m.request(i, v)
}

func (m *fuzzModel) join(i int) fuzzResult {
	mm := &m.mem[i]
	*mm = fuzzMember{joined: true}
	return m.resume(i, fmIdle) // Join is the end of an idle scope
}

func (m *fuzzModel) open(i int, k scopeKind) fuzzResult {
	mm := &m.mem[i]
	if !mm.joined || (k == kindIdle && mm.mode == fmHarmless) {
		return frPanic
	}
	mm.stack = append(mm.stack, fuzzScope{kind: k, prev: mm.mode})
	if mm.mode == fmRunning {
		mm.mode = fmHarmless
		if k == kindIdle {
			mm.mode = fmIdle
		}
		m.schedule()
	}
	return frOK
}

// resume models member i going back to running from state from.
func (m *fuzzModel) resume(i int, from uint8) fuzzResult {
	m.mem[i].mode = fmRunning
	if !m.holds(from) || m.owner == i {
		m.schedule()
		return frOK
	}
	m.hold(i, from, fwHeld)
	m.schedule()
	return m.take(i)
}

// end models the end func of the scope of kind k at depth d of member i.
func (m *fuzzModel) end(i, d int, k scopeKind) fuzzResult {
	mm := &m.mem[i]
	if !mm.joined {
		if k != kindIsolate && d < len(mm.leaveEnded) && mm.leaveEnded[d] {
			mm.leaveEnded[d] = false
			return frOK
		}
		return frPanic
	}
	if d+1 != len(mm.stack) || mm.stack[d].kind != k {
		return frPanic
	}
	e := mm.stack[d]
	mm.stack = mm.stack[:d]
	switch {
	case e.holds:
		mm.own, mm.ownFull = 0, false
		m.release()
	case e.prev != mm.mode:
		return m.resume(i, mm.mode)
	}
	return frOK
}

func (m *fuzzModel) poll(i int) fuzzResult {
	mm := &m.mem[i]
	switch {
	case !mm.joined:
		return frPanic
	case !m.granted() && len(m.plainQ) == 0, mm.mode != fmRunning, mm.own > 0:
		return frOK
	}
	mm.mode = fmHarmless
	m.schedule()
	return m.resume(i, fmHarmless)
}

func (m *fuzzModel) leave(i int) fuzzResult {
	mm := &m.mem[i]
	if !mm.joined || mm.own > 0 {
		return frPanic
	}
	mm.leaveEnded = make([]bool, len(mm.stack))
	for d := range mm.leaveEnded {
		mm.leaveEnded[d] = true
	}
	mm.stack, mm.joined = nil, false
	m.schedule()
	return frOK
}

func (m *fuzzModel) outsiderRelease() fuzzResult {
	if m.owner < fuzzMembers {
		return frPanic
	}
	m.release()
	return frOK
}

// fuzzOutcome is what a driver sends back for one operation.
type fuzzOutcome struct {
	release  func() // from Isolate and friends, Harmless, Idle
	member   *Member
	failed   bool // TryIsolate returned false
	err      error
	panicked any
	isolated bool // Member.Isolated after the operation
}

func (o fuzzOutcome) result() fuzzResult {
	switch {
	case o.panicked != nil:
		return frPanic
	case o.err != nil:
		return frCtxErr
	case o.failed:
		return frFailed
	}
	return frOK
}

// fuzzEnd is an end func that a member got, with the depth and kind of its
// scope.
type fuzzEnd struct {
	f func()
	d int
	k scopeKind
}

// fuzzActor is the real side of one actor.
type fuzzActor struct {
	in  chan func() fuzzOutcome
	out chan fuzzOutcome
	// what the blocked operation is: its end func will be at depth d,
	// of kind k (members), and cancel ends its context.
	d      int
	k      scopeKind
	cancel context.CancelFunc
	// m is the member's handle (members only); ends are the end funcs
	// it got last (for misuse), last the latest per depth and kind.
	m    *Member
	ends []fuzzEnd
	last map[[2]int]func()
}

type fuzzRun struct {
	t      *testing.T
	iso    Isolator
	model  fuzzModel
	actors [fuzzActors]fuzzActor
	// outRelease is the release that an outsider got last.
	outRelease func()
	// last is the actor that the current step drives.
	last  int
	trace []string
}

func newFuzzRun(t *testing.T) *fuzzRun {
	r := &fuzzRun{t: t}
	r.model.owner = -1
	r.model.done = map[int]fuzzResult{}
	for i := range r.actors {
		a := &r.actors[i]
		a.in, a.out = make(chan func() fuzzOutcome), make(chan fuzzOutcome, 1)
		go func() {
			for op := range a.in {
				a.out <- runOp(op)
			}
		}()
	}
	return r
}

func runOp(op func() fuzzOutcome) (o fuzzOutcome) {
	defer func() {
		if p := recover(); p != nil {
			o = fuzzOutcome{panicked: p}
		}
	}()
	return op()
}

// exec sends op to the driver of who, lets the bubble settle, and checks
// that who and every other driver returned exactly as the model predicted
// (want is who's own predicted result).
func (r *fuzzRun) exec(who int, desc string, want fuzzResult, op func() fuzzOutcome) {
	r.trace = append(r.trace, fmt.Sprintf("%s by %s: %v", desc, actorName(who), want))
	r.last = who
	if want == frBlocked {
		r.model.busy[who] = true
	} else {
		r.model.done[who] = want
	}
	r.actors[who].in <- op
	r.settle()
}

// direct runs op on the test goroutine (an outsider's release, which any
// goroutine may call), then checks as exec does.
func (r *fuzzRun) direct(desc string, want fuzzResult, op func()) {
	r.trace = append(r.trace, fmt.Sprintf("%s: %v", desc, want))
	r.last = -1
	o := runOp(func() fuzzOutcome { op(); return fuzzOutcome{} })
	r.checkOutcome(-1, want, o)
	r.settle()
}

// settle waits until every goroutine in the bubble is blocked, then checks
// which drivers returned against the model's done.
func (r *fuzzRun) settle() {
	synctest.Wait()
	for who := range r.actors {
		a := &r.actors[who]
		want, expected := r.model.done[who]
		select {
		case o := <-a.out:
			if who != r.last {
				r.trace = append(r.trace, fmt.Sprintf("  %s returns: %v", actorName(who), o.result()))
			}
			if !expected {
				r.fail("%s returned (%v, %v) but the model says it is blocked", actorName(who), o.result(), o.panicked)
			}
			r.checkOutcome(who, want, o)
		default:
			if expected {
				r.fail("%s is blocked but the model says it returned %v", actorName(who), want)
			}
		}
	}
	clear(r.model.done)
}

func (r *fuzzRun) checkOutcome(who int, want fuzzResult, o fuzzOutcome) {
	if got := o.result(); got != want {
		r.fail("%s: got %v (err %v, panic %v), the model says %v", actorName(who), got, o.err, o.panicked, want)
	}
	switch {
	case o.panicked != nil:
		if s, ok := o.panicked.(string); !ok || !strings.HasPrefix(s, "isolate: ") {
			r.fail("%s: panic %v does not start with \"isolate: \"", actorName(who), o.panicked)
		}
	case o.err != nil:
		if !errors.Is(o.err, context.Canceled) || !strings.HasPrefix(o.err.Error(), "isolate: ") {
			r.fail("%s: error %q does not wrap context.Canceled", actorName(who), o.err)
		}
		if o.release != nil {
			r.fail("%s: a release with error %v", actorName(who), o.err)
		}
	}
	if who < 0 {
		return
	}
	a := &r.actors[who]
	if a.cancel != nil && want != frBlocked {
		a.cancel()
		a.cancel = nil
	}
	if who >= fuzzMembers {
		if o.release != nil {
			r.outRelease = o.release
		}
		return
	}
	if want != frOK {
		return
	}
	if o.member != nil {
		a.m, a.ends, a.last = o.member, nil, map[[2]int]func(){}
	}
	if o.release != nil {
		a.ends = append(a.ends, fuzzEnd{o.release, a.d, a.k})
		if len(a.ends) > fuzzHistory {
			a.ends = a.ends[1:]
		}
		a.last[[2]int{a.d, int(a.k)}] = o.release
	}
	if mm := &r.model.mem[who]; o.isolated != (mm.own > 0) {
		r.fail("%s: Isolated() = %v, the model says %v", actorName(who), o.isolated, mm.own > 0)
	}
}

func (r *fuzzRun) fail(format string, args ...any) {
	r.t.Helper()
	n := max(0, len(r.trace)-40)
	r.t.Fatalf("%s\nlast operations:\n  %s", fmt.Sprintf(format, args...), strings.Join(r.trace[n:], "\n  "))
}

func actorName(who int) string {
	switch {
	case who < 0:
		return "test"
	case who < fuzzMembers:
		return fmt.Sprintf("member %d", who)
	}
	return fmt.Sprintf("outsider %d", who-fuzzMembers)
}

// memberOp runs f on member i's handle as its driver, reporting Isolated.
func (r *fuzzRun) memberOp(i int, desc string, want fuzzResult, d int, k scopeKind, f func(m *Member) fuzzOutcome) {
	a := &r.actors[i]
	a.d, a.k = d, k
	m := a.m
	r.exec(i, desc, want, func() fuzzOutcome {
		o := f(m)
		if o.member != nil {
			m = o.member
		}
		o.isolated = m.Isolated()
		return o
	})
}

// isolateOp returns the operation of variant v through x (a Member or the
// Isolator), and arranges for its cancellation.
func (r *fuzzRun) isolateOp(who int, v fuzzVariant) func(x isolateForms) fuzzOutcome {
	ctx := context.Background()
	if v.cancellable || v.cancelled {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		if v.cancelled {
			cancel()
		} else {
			r.actors[who].cancel = cancel
		}
	}
	return func(x isolateForms) fuzzOutcome {
		var o fuzzOutcome
		switch {
		case v.try:
			var ok bool
			o.release, ok = x.TryIsolate()
			o.failed = !ok
		case v.cancellable || v.cancelled:
			if v.full {
				o.release, o.err = x.IsolateFullContext(ctx)
			} else {
				o.release, o.err = x.IsolateContext(ctx)
			}
		case v.full:
			o.release = x.IsolateFull()
		default:
			o.release = x.Isolate()
		}
		return o
	}
}

func (r *fuzzRun) run(data []byte) {
	for n := 0; len(data) >= 2 && n < fuzzMaxOps; n++ {
		r.step(data[0], data[1])
		data = data[2:]
	}
	r.drain()
}

// The operations, as step decodes them from a pair of bytes (op, arg).
// Member operations act on member arg%fuzzMembers; the variant of an
// isolation is fuzzVariants[arg/fuzzMembers%len], or for an outsider,
// outsider arg%fuzzOutsiders, fuzzVariants[arg/fuzzOutsiders%len]. foCancel
// cancels the pending request of member arg%fuzzMembers and of outsider
// arg/fuzzMembers%fuzzOutsiders, if cancellable.
type fuzzOp byte

const (
	foJoin       fuzzOp = iota
	foHarmless          // Harmless
	foIdle              // Idle
	foEnd               // call the end func of the innermost scope
	foEndEarlier        // call an end func the member got earlier
	foIsolate           // the member isolates itself
	foPoll              // Poll
	foLeave             // Leave
	foCancel            // cancel pending requests
	foOutsider          // an outsider isolates itself
	foRelease           // call the release an outsider got last
	fuzzOps
)

// step decodes and runs one operation; operations on a blocked driver, or
// that make no sense in the current state (ending a scope that is not
// open, a first operation on a member that never joined), are skipped.
func (r *fuzzRun) step(op, arg byte) {
	md := &r.model
	i := int(arg) % fuzzMembers
	mm, a := &md.mem[i], &r.actors[i]
	code := fuzzOp(op) % fuzzOps
	if code < foCancel && (md.busy[i] || (a.m == nil && code != foJoin)) {
		return
	}
	switch code {
	case foJoin:
		if mm.joined {
			return
		}
		r.memberOp(i, "Join", md.join(i), 0, 0, func(*Member) fuzzOutcome {
			return fuzzOutcome{member: r.iso.Join()}
		})
	case foHarmless, foIdle:
		k := kindHarmless
		if code == foIdle {
			k = kindIdle
		}
		if len(mm.stack) >= fuzzMaxDepth {
			return
		}
		d := len(mm.stack)
		r.memberOp(i, fmt.Sprintf("open %v scope at depth %d", kindName(k), d), md.open(i, k), d, k, func(m *Member) fuzzOutcome {
			if k == kindIdle {
				return fuzzOutcome{release: m.Idle()}
			}
			return fuzzOutcome{release: m.Harmless()}
		})
	case foEnd:
		if len(mm.stack) == 0 {
			return
		}
		d := len(mm.stack) - 1
		k := mm.stack[d].kind
		end := a.lastEnd(d, k)
		r.memberOp(i, fmt.Sprintf("end %v scope at depth %d", kindName(k), d), md.end(i, d, k), 0, 0, func(*Member) fuzzOutcome {
			end()
			return fuzzOutcome{}
		})
	case foEndEarlier:
		if len(a.ends) == 0 {
			return
		}
		e := a.ends[int(arg/fuzzMembers)%len(a.ends)]
		r.memberOp(i, fmt.Sprintf("call an earlier end func (%v, depth %d)", kindName(e.k), e.d), md.end(i, e.d, e.k), 0, 0, func(*Member) fuzzOutcome {
			e.f()
			return fuzzOutcome{}
		})
	case foIsolate:
		v := fuzzVariants[int(arg/fuzzMembers)%len(fuzzVariants)]
		isolate := r.isolateOp(i, v)
		d := len(mm.stack)
		r.memberOp(i, v.String(), md.memberIsolate(i, v), d, kindIsolate, func(m *Member) fuzzOutcome {
			return isolate(m)
		})
	case foPoll:
		r.memberOp(i, "Poll", md.poll(i), 0, 0, func(m *Member) fuzzOutcome {
			m.Poll()
			return fuzzOutcome{}
		})
	case foLeave:
		r.memberOp(i, "Leave", md.leave(i), 0, 0, func(m *Member) fuzzOutcome {
			m.Leave()
			return fuzzOutcome{}
		})
	case foCancel:
		r.cancel(i)
		r.cancel(fuzzMembers + int(arg/fuzzMembers)%fuzzOutsiders)
	case foOutsider:
		j := fuzzMembers + int(arg)%fuzzOutsiders
		if md.busy[j] {
			return
		}
		v := fuzzVariants[int(arg/fuzzOutsiders)%len(fuzzVariants)]
		isolate := r.isolateOp(j, v)
		r.exec(j, v.String(), md.request(j, v), func() fuzzOutcome {
			return isolate(&r.iso)
		})
	case foRelease:
		if r.outRelease != nil {
			r.direct("outsider release", md.outsiderRelease(), r.outRelease)
		}
	}
}

// cancel ends the context of the request of who, if it is pending and
// cancellable, and reports whether it did.
func (r *fuzzRun) cancel(who int) bool {
	md, a := &r.model, &r.actors[who]
	pending := md.busy[who] && (who >= fuzzMembers || md.mem[who].wait == fwRequest)
	if !pending || a.cancel == nil {
		return false
	}
	r.trace = append(r.trace, fmt.Sprintf("cancel the request of %s", actorName(who)))
	r.last = -1
	md.withdraw(who, false)
	a.cancel()
	a.cancel = nil
	r.settle()
	return true
}

// lastEnd returns the end func of the scope of kind k at depth d that the
// member got last.
func (a *fuzzActor) lastEnd(d int, k scopeKind) func() {
	return a.last[[2]int{d, int(k)}]
}

func kindName(k scopeKind) string {
	return [...]string{"harmless", "idle", "isolate"}[k]
}

// drain brings the Isolator back to rest, as the model says it can be:
// requests are cancelled where they can be, isolations released, scopes
// ended and members gone. Then every driver must be done, and an outsider
// must be able to isolate at once.
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
}

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

// TestLeaveEndsScopesDeeperThan64 is what FuzzOps's model predicts for a
// member that leaves inside more than 64 open scopes: Leave ends them all,
// and each end func then does nothing, once.
func TestLeaveEndsScopesDeeperThan64(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	ends := make([]func(), 66)
	for d := range ends {
		ends[d] = m.Harmless()
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
