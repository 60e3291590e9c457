package isolate

import (
	"runtime"
	"time"
)

// Deferred funcs: Defer runs a func after a grace period without making its
// caller wait, on a goroutine of the Isolator's that exists while funcs are
// pending. The grace periods are those of grace.go: each batch of funcs is
// one awaitIdle.

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
// pending. A panic in f crashes the program, as in any goroutine; f that
// blocks delays the funcs deferred after it. What the goroutine that called
// Defer did before the call, and what each member awaited did before its
// idle entry, is synchronized before f runs.
//
// Defer scans the members once, as Synchronize does when every member is
// idle.
func (iso *Isolator) Defer(f func()) {
	if f == nil {
		panic("isolate: Defer of a nil func")
	}
	g := &iso.grace
	g.mu.Lock()
	buf := g.spare
	g.spare = nil
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
		g.keepSpare(b.pend)
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
		go iso.runDeferred()
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

// keepSpare keeps the snapshot buffer pend for reuse (under mu).
func (g *graceState) keepSpare(pend []awaiting) {
	clear(pend) // its slots may belong to groups retired since
	if cap(pend) > cap(g.spare) {
		g.spare = pend[:0]
	}
}

// runDeferred runs the deferred funcs, batch by batch, each after its grace
// period, and returns when none is left.
func (iso *Isolator) runDeferred() {
	g := &iso.grace
	for {
		g.mu.Lock()
		if len(g.batches) == 0 {
			g.running = false
			g.batches = nil
			g.mu.Unlock()
			return
		}
		b := g.batches[0]
		g.batches[0] = nil
		g.batches = g.batches[1:]
		g.mu.Unlock()
		if len(b.pend) > 0 {
			iso.awaitIdle(&graceWaiter{pend: b.pend, since: time.Now(), pc: b.pc}, abort{})
		}
		g.periods.Add(1)
		g.mu.Lock()
		g.keepSpare(b.pend)
		g.mu.Unlock()
		for i, f := range b.funcs {
			b.funcs[i] = nil
			f()
			g.ran.Add(1)
		}
	}
}
