package isolate

import (
	"context"
	"fmt"
	"runtime"
	"runtime/trace"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate/arch"
	"github.com/isolatekit/isolate/spin"
)

// Grace periods: read-copy-update on the Isolator's members.
//
// An idle member holds no reference to shared objects: that is the quiescent
// state of QSBR-style RCU. A grace period begins when Synchronize is called
// and ends once every member that was not idle then has been idle at least
// once since (or has left). A writer that unpublished an object before the
// grace period began (an atomic.Pointer swapped to a new version) may then
// reuse or free it: no member can still hold it. Nobody stops, and nobody is
// woken: readers take no lock, and members that are idle cost one load.
//
// The protocol runs on the state words of the isolation protocol: its
// steps (snapshot, wait, kick) and why it holds (G1 to G4) are in
// isolator.go's essay, with P7 and P8, the idle count and the awaited flag.

// Waiters share the flag: a kick wakes them all, each looks at its own
// member. Each waiter names the member whose flag it relies on (watching,
// under graceDomain.mu, before it loads the member's word).
//
// No trace. The flag is on a member's word only while a waiter watches the
// member, so that once no grace period waits no member pays its slow path:
//
//   - it is set by a watching waiter's CompareAndSwap, or by the member's
//     hand-on (passAwaited: its Swap into harmless or running took the
//     flag), which sets it again only if a waiter still watches the member,
//     under graceDomain.mu;
//   - a waiter that stops watching a member (it moves on to the next one,
//     returns or gives up) clears the flag, under graceDomain.mu, unless
//     another waiter watches the member.
//
// The lock orders each hand-on with each clear: a hand-on before the clear
// is cleared, one after it finds nobody watching. The member's Swap that
// takes the flag while it is cleared makes the clear's CompareAndSwap fail
// and look again. (The hand-on was an Or without the lock: one that came
// right after an abandon's clear put back a flag that nobody relied on, and
// the member's scopes took the slow path until its next idle entry; model
// mutant CARRY_UNWATCHED.) A waiter that moves past a member without
// parking keeps it watched until it parks on another one or returns.

// graceDomain is an Isolator's grace periods and deferred funcs.
type graceDomain struct {
	mu sync.Mutex // guards the fields below but the atomic counters
	// waiters are the grace periods waiting for a member's idle entry.
	waiters []*graceWaiter
	// batches are the deferred funcs that the Isolator's goroutine has
	// not taken yet, oldest first; snapBuf is a snapshot's buffer, for
	// reuse; running is set while the Isolator's goroutine runs.
	batches []*deferBatch
	snapBuf []awaiting
	running bool
	// snapshots counts the snapshots that Defer calls have installed in
	// a batch: it orders them (see Defer).
	snapshots uint64
	// yielders counts the parked Synchronize calls: while there are any,
	// the Isolator's gate has its yield bit set. yieldGen counts their parks:
	// a member yields once per park (see Isolator.admitOrHold).
	yielders int
	yieldGen atomic.Uint32
	// deferredAll counts the funcs ever deferred.
	deferredAll uint64
	// barriers are the Barrier calls that wait (defer.go).
	barriers []*barrierWaiter

	periods atomic.Uint64 // grace periods completed
	ran     atomic.Uint64 // deferred funcs run
	// barrierAt is the least count of funcs run that a waiting Barrier
	// waits for; 0 when none waits (set under mu).
	barrierAt atomic.Uint64
}

// A graceWaiter is one grace period in its wait.
type graceWaiter struct {
	waiter
	// pend are the members waited for, each with its idle count at the
	// snapshot; those before at have been idle since.
	pend []awaiting
	at   atomic.Int64
	// watching is the member whose awaited flag the waiter relies on
	// (under graceDomain.mu).
	watching *slot
	// since is when the wait began; pc where the grace period was asked
	// for (0: unknown), g the goroutine that asked (arch.G; 0: unknown,
	// or the Isolator's own, for deferred funcs).
	since time.Time
	pc    uintptr
	g     uintptr
	// spin is set when a caller waits (Synchronize) and spinning can
	// help: worth a spin before parking. The Isolator's goroutine never
	// spins for deferred funcs.
	spin bool
	// yield is set when a caller waits (Synchronize): once it parks, it
	// asks members ending idle scopes to yield (the gate's yield bit), so that the
	// members it waits for get to run; yielding says it did (under
	// graceDomain.mu).
	yield, yielding bool
}

// graceSpin bounds how long a Synchronize watches the words of running
// members before it parks: about what parking and being woken costs when
// the member that wakes it keeps its processor (another one must be woken
// to run the waiter), a cost that would otherwise be added to every grace
// period whose members go idle between short jobs. graceSpinChecks bounds
// the same spin in checks, for clocks that stand still (testing/synctest).
const (
	graceSpin       = 20 * time.Microsecond
	graceSpinChecks = 1 << 12
)

// awaiting is a member that a grace period waits for, with the count bits
// of its word at the snapshot.
type awaiting struct {
	slot  *slot
	count idleCount
}

// Synchronize waits for a grace period: it returns once every member that
// was not idle when it was called has been idle at least once since, has
// left, or has waited in a full isolation. Members idle at the call, and
// members that join after it, are not waited for; a member in a harmless
// scope is (it may hold references). So an object that was unpublished
// before the call (an atomic.Pointer swapped to a new version) is no longer
// referenced by any member when Synchronize returns, as long as members
// take such references only while running and drop them before they are
// idle:
//
//	old := table.Swap(next)
//	iso.Synchronize()
//	recycle(old)
//
// Synchronize holds nobody back: members keep running and no idle member
// is woken. A member that goes idle for an instant while Synchronize waits
// is not missed. When every member is idle, Synchronize costs one scan of
// the members and takes no lock. Otherwise, if every member it waits for
// may have a processor of its own, it watches their words for a few
// microseconds (about what parking and being woken cost) before it parks.
// Each time it parks waiting for a running member, every member yields
// its processor (runtime.Gosched) once, at its next end of an idle scope,
// so that the member waited for gets one if it waits for a processor
// behind members whose next job is queued; the member that wakes
// Synchronize yields to it too.
//
// A member that calls Synchronize must do so inside an Idle scope, and not
// in its own isolated section: it would wait for itself. Inside an isolated
// section Synchronize
// waits for the members that the isolation holds back, which cannot become
// idle before it ends: call it there only in a full isolation (every other
// member is idle then) or not at all. A Synchronize that waits longer than
// [Isolator.StallAfter] is reported, with the members that were never idle
// since, as a stalled isolation is.
func (iso *Isolator) Synchronize() {
	iso.synchronize(abort{}, 0)
}

// SynchronizeContext is [Isolator.Synchronize] that gives up when ctx is
// done. It then returns an error wrapping ctx.Err(), and leaves no trace:
// the members are not affected, later grace periods neither.
func (iso *Isolator) SynchronizeContext(ctx context.Context) error {
	return iso.synchronize(abortBy(ctx), 0)
}

// synchronize is a grace period that gives up when a ends; pc is where it
// was asked for, 0 for the caller of synchronize's caller.
func (iso *Isolator) synchronize(a abort, pc uintptr) error {
	if a.ended() {
		return graceAbandoned(a)
	}
	if pend := iso.snapshot(nil); len(pend) > 0 {
		if pc == 0 {
			var pcs [1]uintptr
			// Skip Callers, synchronize and Synchronize (or
			// SynchronizeContext): TestGraceStallReport checks it.
			runtime.Callers(3, pcs[:])
			pc = pcs[0]
		}
		// Spinning can help only if every member waited for may run
		// on a processor of its own, the caller's aside: otherwise some
		// of them wait for a processor, which the spin would hold.
		w := &graceWaiter{pend: pend, since: time.Now(), pc: pc, g: arch.G(), spin: len(pend) < spin.Processors(), yield: true}
		if err := iso.awaitIdle(w, a); err != nil {
			return err
		}
	}
	iso.grace.periods.Add(1)
	return nil
}

// snapshot appends to pend the members that are not idle now, each with its
// idle count, and returns it: what a grace period that begins now waits for.
func (iso *Isolator) snapshot(pend []awaiting) []awaiting {
	for w := range iso.blockers(0, nil, modeIdle) {
		pend = append(pend, awaiting{w.slot, w.seen.count()})
	}
	return pend
}

func graceAbandoned(a abort) error {
	return fmt.Errorf("isolate: grace period abandoned: %w", a.ctx.Err())
}

// awaitIdle waits until every member in w.pend has been idle since its
// snapshot, or a ends (the wait then leaves no trace).
func (iso *Isolator) awaitIdle(w *graceWaiter, a abort) error {
	g := &iso.grace
	g.mu.Lock()
	g.waiters = append(g.waiters, w)
	w.arm() // under g.mu, which the kicks signal under (see waiter.arm)
	g.mu.Unlock()
	if stall := iso.watchGraceStall(w); stall != nil {
		defer stall.Stop()
	}
	if trace.IsEnabled() {
		defer trace.StartRegion(context.Background(), "isolate: wait for grace period").End()
	}
	for at := 0; at < len(w.pend); {
		p := w.pend[at]
		if w.spin && w.spinUntilIdle(p) {
			at++
			w.at.Store(int64(at))
			continue
		}
		if w.watching != p.slot {
			g.mu.Lock() // before the load below: see "Waiters share the flag"
			g.unwatch(w)
			w.watching = p.slot
			g.mu.Unlock()
		}
		w.arm() // before the load (G3)
		word := p.slot.word.load()
		if word.idleSince(p.count) {
			at++
			w.at.Store(int64(at))
			continue
		}
		if !p.slot.word.await(word) {
			continue // the member moved: look again
		}
		// Yielding helps a member that runs (it may be waiting for a
		// processor), not one in a harmless scope, which blocks.
		if yield := w.yield && word.mode() == modeRunning; yield != w.yielding {
			iso.askYield(w, yield)
		}
		if w.yielding {
			g.yieldGen.Add(1) // every member may yield once more
		}
		if !w.wait(false, a.done()) { // spun already, if worth it
			g.mu.Lock()
			iso.leaveGrace(w)
			g.mu.Unlock()
			return graceAbandoned(a)
		}
	}
	g.mu.Lock()
	iso.leaveGrace(w)
	g.mu.Unlock()
	return nil
}

// askYield makes members ending idle scopes yield (yield set) while the
// grace period w, parked, waits for a running member, or stops asking
// (the gate's yield bit, see isolator.go).
func (iso *Isolator) askYield(w *graceWaiter, yield bool) {
	g := &iso.grace
	g.mu.Lock()
	g.setYielding(w, yield, &iso.gate)
	g.mu.Unlock()
}

// setYielding makes w one of the yielders or not, and sets or clears
// the gate's yield bit when the first one comes or the last one goes (under
// mu).
func (g *graceDomain) setYielding(w *graceWaiter, yield bool, gate *gateWord) {
	if w.yielding == yield {
		return
	}
	w.yielding = yield
	if yield {
		if g.yielders++; g.yielders == 1 {
			gate.askYield()
		}
	} else if g.yielders--; g.yielders == 0 {
		gate.stopYield()
	}
}

// leaveGrace takes w out of the waiters, and out of the yielders if it was
// one (under graceDomain.mu).
func (iso *Isolator) leaveGrace(w *graceWaiter) {
	iso.grace.leave(w)
	iso.grace.setYielding(w, false, &iso.gate)
}

// spinUntilIdle watches p's word until it shows an idle entry since the
// snapshot, and reports whether it did, within the grace period's spin
// budget: graceSpin from its start, graceSpinChecks checks at a time.
func (w *graceWaiter) spinUntilIdle(p awaiting) bool {
	for i := 1; i <= graceSpinChecks; i++ {
		if p.slot.word.load().idleSince(p.count) {
			return true
		}
		if i%64 == 0 && time.Since(w.since) > graceSpin {
			w.spin = false // the budget is spent: park from now on
			return false
		}
		arch.PauseN(8)
	}
	return false
}

// leave takes w out of the waiters, and out of the watch of its member
// (under mu).
func (g *graceDomain) leave(w *graceWaiter) {
	g.unwatch(w)
	g.waiters = shrunk(slices.DeleteFunc(g.waiters, func(o *graceWaiter) bool { return o == w }))
}

// wakeAll wakes every waiting grace period: a member they may wait for has
// become idle. It reports whether it woke a parked goroutine (see handOff).
func (g *graceDomain) wakeAll() (woke bool) {
	g.mu.Lock()
	for _, w := range g.waiters {
		woke = w.signal() || woke
	}
	g.mu.Unlock()
	return woke
}

// unwatch ends w's watch of its member: unless another waiter watches the
// same member, nothing relies on its awaited flag any more, and the flag
// is cleared (under mu: "No trace" above).
func (g *graceDomain) unwatch(w *graceWaiter) {
	sl := w.watching
	w.watching = nil
	if sl != nil && !g.watches(sl) {
		sl.word.unawait()
	}
}

// watches reports whether a waiter watches the member on sl (under mu).
func (g *graceDomain) watches(sl *slot) bool {
	return slices.ContainsFunc(g.waiters, func(o *graceWaiter) bool { return o.watching == sl })
}

// handOn sets the awaited flag of the member on sl again, which the
// member's move into a mode other than idle has just taken from its word,
// if a waiter still watches it ("No trace" above).
func (g *graceDomain) handOn(sl *slot) {
	g.mu.Lock()
	if g.watches(sl) {
		sl.word.reawait()
	}
	g.mu.Unlock()
}
