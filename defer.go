package isolate

import (
	"context"
	"fmt"
	"runtime"
	"runtime/trace"
	"slices"
	"time"
)

// Deferred funcs: Defer runs a func after a grace period without making its
// caller wait, on a goroutine of the Isolator's that exists while funcs are
// pending; Barrier waits for the funcs deferred before it. The grace
// periods are those of grace.go: each batch of funcs is one awaitIdle.

// A deferBatch is deferred funcs that share a grace period.
type deferBatch struct {
	funcs []func()
	// pend is the snapshot that the batch waits for: its last Defer's,
	// which was the installed'th.
	pend      []awaiting
	installed uint64
	// pc is where the first func was deferred, for stall reports.
	pc uintptr
}

// Defer arranges for f to run after a grace period that begins after this
// call (see [Isolator.Synchronize]): once every member that was not idle
// then has been idle since. It returns at once. Funcs deferred in a row
// share their grace period: one idle entry of each member, after the last
// of them, lets them all run; a func never waits for a member that joined
// after it was deferred, or that was idle then.
//
// f runs on a goroutine of the Isolator's, which runs deferred funcs one
// after another, in the order of the Defer calls, and exits once none is
// pending. A panic in f crashes the program, as a panic in any goroutine
// does (as in a func of time.AfterFunc); recover in f to keep it from
// doing so. A runtime.Goexit in f (t.FailNow in a test) ends f alone: the
// funcs deferred after it run as they would have, on another goroutine of
// the Isolator's. f that blocks delays the funcs deferred after it.
// [Isolator.Barrier] waits for the funcs deferred before it.
//
// What the goroutine that called Defer did before the call, and what each
// member awaited did before its idle entry, is synchronized before f runs;
// f's return (or its Goexit) is synchronized before the return of a
// Barrier that waits for it.
//
// Defer scans the members once, as Synchronize does when every member is
// idle.
func (iso *Isolator) Defer(f func()) {
	if f == nil {
		panic("isolate: Defer of a nil func")
	}
	g := &iso.grace
	g.mu.Lock()
	buf := g.snapBuf
	g.snapBuf = nil
	before := g.snapshots
	g.mu.Unlock()
	// The snapshot begins f's grace period here, not when the Isolator's
	// goroutine gets to f: an idle entry in between must count.
	pend := shrunk(iso.snapshot(buf[:0]))
	g.mu.Lock()
	g.snapshots++
	if n := len(g.batches); n > 0 && g.batches[n-1].installed <= before && covers(g.batches[n-1].pend, pend) {
		// A member not in pend has been idle since the batch's funcs
		// were deferred, so pend is all that they still wait for. That
		// holds only if the batch's snapshots were all taken before
		// this one began (installed <= before): a concurrent Defer's
		// snapshot may have read a member as idle before this one read
		// it running.
		b := g.batches[n-1]
		b.funcs = append(b.funcs, f)
		g.keepSnapBuf(b.pend)
		b.pend, b.installed = pend, g.snapshots
	} else {
		var pcs [1]uintptr
		runtime.Callers(2, pcs[:]) // the caller of Defer, for stall reports
		g.batches = append(g.batches, &deferBatch{funcs: []func(){f}, pend: pend, installed: g.snapshots, pc: pcs[0]})
	}
	g.deferredAll++
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go iso.runDeferred(nil)
	}
}

// covers reports whether the snapshot old waits for every member that the
// later snapshot pend waits for, at the same count: then a batch deferred
// under old may wait for pend instead, and the func that took pend may join
// it. Snapshots are in slot order.
func covers(old, pend []awaiting) bool {
	i := 0
	for _, p := range pend {
		for i < len(old) && old[i].slot.index < p.slot.index {
			i++
		}
		if i == len(old) || old[i] != p {
			return false
		}
	}
	return true
}

// keepSnapBuf keeps the snapshot buffer pend for reuse (under mu).
func (g *graceDomain) keepSnapBuf(pend []awaiting) {
	clear(pend) // its slots may belong to groups retired since
	if cap(pend) > cap(g.snapBuf) {
		g.snapBuf = pend[:0]
	}
}

// runDeferred runs the deferred funcs, batch by batch, each after its grace
// period, and returns when none is left. It begins with the funcs of rest,
// whose grace period is over (nil: none): those left after a func called
// runtime.Goexit on the goroutine that ran them before.
func (iso *Isolator) runDeferred(rest *deferBatch) {
	g := &iso.grace
	for {
		b := rest
		rest = nil
		if b == nil {
			g.mu.Lock()
			if len(g.batches) == 0 {
				g.running = false
				g.batches = nil
				g.mu.Unlock()
				return
			}
			b = g.batches[0]
			g.batches[0] = nil
			g.batches = g.batches[1:]
			g.mu.Unlock()
			if len(b.pend) > 0 {
				iso.awaitIdle(&graceWaiter{pend: b.pend, since: time.Now(), pc: b.pc}, abort{})
			}
			g.periods.Add(1)
			g.mu.Lock()
			g.keepSnapBuf(b.pend)
			g.mu.Unlock()
			b.pend = nil
		}
		for len(b.funcs) > 0 {
			f := b.funcs[0]
			b.funcs[0] = nil
			b.funcs = b.funcs[1:]
			iso.runFunc(f, b)
		}
	}
}

// runFunc runs the deferred func f, whose batch b holds the funcs after it,
// and counts it. If f does not return, it called runtime.Goexit (or it
// panicked, and the program is about to crash): its goroutine is ending, and
// a new one takes over the funcs that are left, b's first.
func (iso *Isolator) runFunc(f func(), b *deferBatch) {
	returned := false
	defer func() {
		if !returned {
			iso.grace.ran1()
			go iso.runDeferred(b)
		}
	}()
	f()
	returned = true
	iso.grace.ran1()
}

// ran1 counts one deferred func run, and releases the Barrier calls that
// waited for it.
func (g *graceDomain) ran1() {
	n := g.ran.Add(1)
	if at := g.barrierAt.Load(); at != 0 && n >= at {
		g.releaseBarriers()
	}
}

// A barrierWaiter is one Barrier call in its wait.
type barrierWaiter struct {
	waiter
	// upTo is the number of funcs deferred before the call: the barrier
	// waits until as many have run (they run in order).
	upTo uint64
}

// Barrier waits until every func deferred (see [Isolator.Defer]) before the
// call has run, as liburcu's rcu_barrier does: say, before the resources
// that those funcs give back are counted or released. It does not wait for
// funcs deferred after the call began, and returns at once if none is
// pending.
//
// Barrier may wait for the grace periods of those funcs, which wait for
// the members that were not idle when they were deferred: a member that
// calls Barrier must do so inside an Idle scope, as it calls Synchronize,
// and not in its own isolated section. A deferred func must not call it:
// it would wait for itself.
//
// A deferred func's return is synchronized before the return of a Barrier
// that waits for it.
func (iso *Isolator) Barrier() {
	iso.barrier(abort{})
}

// BarrierContext is [Isolator.Barrier] that gives up when ctx is done. It
// then returns an error wrapping ctx.Err(), and leaves no trace: the
// deferred funcs still run as they would have.
func (iso *Isolator) BarrierContext(ctx context.Context) error {
	return iso.barrier(abortBy(ctx))
}

func (iso *Isolator) barrier(a abort) error {
	if a.ended() {
		return barrierAbandoned(a)
	}
	g := &iso.grace
	g.mu.Lock()
	upTo := g.deferredAll
	if g.ran.Load() >= upTo {
		g.mu.Unlock()
		return nil
	}
	b := &barrierWaiter{upTo: upTo}
	b.arm()
	g.barriers = append(g.barriers, b)
	g.setBarrierAt()
	// A func counted before barrierAt was set may not have seen it: the
	// load below, after the store, sees such a count (both sequentially
	// consistent, as ran1's Add and load).
	if g.ran.Load() >= upTo {
		g.dropBarrier(b)
		g.mu.Unlock()
		return nil
	}
	g.mu.Unlock()
	if trace.IsEnabled() {
		defer trace.StartRegion(context.Background(), "isolate: wait for deferred funcs").End()
	}
	if b.wait(false, a.done()) {
		return nil
	}
	g.mu.Lock()
	g.dropBarrier(b)
	g.mu.Unlock()
	if b.isDone() { // released as ctx ended: one outcome
		return nil
	}
	return barrierAbandoned(a)
}

func barrierAbandoned(a abort) error {
	return fmt.Errorf("isolate: barrier abandoned: %w", a.ctx.Err())
}

// releaseBarriers wakes the Barrier calls whose funcs have all run.
func (g *graceDomain) releaseBarriers() {
	g.mu.Lock()
	n := g.ran.Load()
	g.barriers = shrunk(slices.DeleteFunc(g.barriers, func(b *barrierWaiter) bool {
		if b.upTo > n {
			return false
		}
		b.signal()
		return true
	}))
	g.setBarrierAt()
	g.mu.Unlock()
}

// dropBarrier takes b out of the waiting Barrier calls (under mu).
func (g *graceDomain) dropBarrier(b *barrierWaiter) {
	g.barriers = shrunk(slices.DeleteFunc(g.barriers, func(o *barrierWaiter) bool { return o == b }))
	g.setBarrierAt()
}

// setBarrierAt sets barrierAt after a change of the waiting Barrier calls
// (under mu).
func (g *graceDomain) setBarrierAt() {
	at := uint64(0)
	for _, b := range g.barriers {
		if at == 0 || b.upTo < at {
			at = b.upTo
		}
	}
	g.barrierAt.Store(at)
}
