package isolate

// The workers and sleepers of TestTorture (race_test.go): what a member of
// the torture test does, one random operation after another.

import (
	"math/rand/v2"
	"sync/atomic"
	"time"
)

// A tortureWorker is a member (between memberships an outsider) that runs
// random nests of scopes. Its fields are its own; running and holding
// mirror its contribution to the torture's counts.
type tortureWorker struct {
	tt  *torture
	id  int
	rng *rand.Rand
	m   Member
	ref *tortureObj
	// rcuRef is a version of the RCU object that the member holds, from
	// a read while running until its next idle state.
	rcuRef *rcuObj
	// mode is the member's state as its scopes make it.
	mode mode
	// own is set while the member holds its own isolation; ownFull
	// tells its kind.
	own, ownFull bool
	// running and holding are what the worker adds to tt.running and
	// tt.holding.
	running, holding bool
	// left is set once the member left inside open scopes, whose end
	// funcs are collected in leftEnds.
	left     bool
	leftEnds []func()
	lastGen  int
}

// tortureCount sets the worker's flag *f to b, and the count n with it.
func tortureCount(f *bool, n *atomic.Int32, b bool) {
	switch {
	case b && !*f:
		n.Add(1)
	case !b && *f:
		n.Add(-1)
	}
	*f = b
}

func (w *tortureWorker) setRunning(b bool) {
	tortureCount(&w.running, &w.tt.running, b)
}

func (w *tortureWorker) setHolding(b bool) {
	if !b {
		w.ref = nil // a member that is not holding drops its references
		w.rcuRef = nil
	}
	tortureCount(&w.holding, &w.tt.holding, b)
}

// resumeRunning counts the member running again: it may now take
// references, so it counts as holding too. (A member that dropped its
// references stays counted as not holding until it runs: harmless, it takes
// none.)
func (w *tortureWorker) resumeRunning() {
	w.setHolding(true)
	w.setRunning(true)
}

// useShared is what a running member does with the shared data.
func (w *tortureWorker) useShared() {
	tt := w.tt
	g := tt.gen
	for i, v := range tt.words {
		if v != g {
			tt.violation("member %d reads torn data: words[%d] = %d, gen %d", w.id, i, v, g)
		}
	}
	if g < w.lastGen {
		tt.violation("member %d sees gen go back: %d after %d", w.id, g, w.lastGen)
	}
	w.lastGen = g
	if w.ref == nil {
		w.ref = tt.obj
	} else if w.ref.freed {
		tt.violation("member %d holds object %d that a full isolation freed", w.id, w.ref.gen)
		w.ref = nil
	}
	tt.counters[w.id].ops++
	w.readRCU()
}

// readRCU checks the version of the RCU object that the member holds, if
// any (it may have kept it across harmless scopes, Poll and isolations,
// never across an idle state), then reads the current one, which it keeps
// unless it keeps the older.
func (w *tortureWorker) readRCU() {
	tt := w.tt
	if w.rcuRef != nil {
		tt.checkRCU(w.id, w.rcuRef)
	}
	if p := tt.rcu.Load(); p != nil {
		tt.rcuReads.Add(1)
		tt.checkRCU(w.id, p)
		if w.rcuRef == nil || w.rng.IntN(4) > 0 {
			w.rcuRef = p
		}
	}
}

// work does what the member's current state allows.
func (w *tortureWorker) work() {
	switch {
	case w.own:
		w.tt.inSection(w.id, w.ownFull, w.mode == modeRunning)
	case w.mode == modeRunning:
		w.useShared()
	default:
		torturePause(w.rng) // harmless or idle: touch nothing, maybe block
	}
}

func (w *tortureWorker) ops(depth, n int) {
	for range n {
		if w.left || w.tt.stop.Load() {
			return
		}
		w.op(depth)
	}
}

func (w *tortureWorker) op(depth int) {
	nest := depth < 4
	switch r := w.rng.IntN(100); {
	case r < 30 || !nest:
		w.work()
	case r < 50:
		w.scope(depth, false)
	case r < 60:
		w.scope(depth, true)
	case r < 78:
		w.isolate(depth)
	case r < 88:
		w.poll()
	case r < 90:
		if depth > 0 && !w.own && w.mode != modeRunning {
			w.leaveInScope()
		}
	default:
		w.work()
	}
}

// scope runs a few ops inside a harmless or idle scope.
func (w *tortureWorker) scope(depth int, idle bool) {
	if idle && w.mode == modeHarmless {
		return // Idle inside Harmless panics
	}
	prev := w.mode
	wasRunning := w.running
	w.setRunning(false)
	var end func()
	if idle {
		w.tt.idle.Add(1)
		if !w.own {
			w.setHolding(false)
		}
		w.rcuRef = nil // an idle entry, even inside the member's own isolation
		end = w.m.Idle().End
		w.mode = modeIdle
		if !w.own && w.rng.IntN(4) == 0 {
			// Idle, the member waits for nobody but the others;
			// inside its own isolation it would wait for the
			// members it holds back.
			w.tt.rcuUpdates(w.rng)
		}
	} else {
		w.tt.harmless.Add(1)
		end = w.m.Harmless().End
		if w.mode == modeRunning {
			w.mode = modeHarmless
		}
	}
	w.ops(depth+1, w.rng.IntN(4))
	if w.left {
		w.leftEnds = append(w.leftEnds, end)
		return
	}
	end()
	w.mode = prev
	if wasRunning {
		w.resumeRunning()
	}
	if w.own {
		w.tt.inSection(w.id, w.ownFull, false) // nobody came in meanwhile
	}
}

func (w *tortureWorker) poll() {
	w.tt.polls.Add(1)
	wasRunning := w.running
	w.setRunning(false) // Poll may let an isolation run
	w.m.Poll()
	w.setRunning(wasRunning)
}

func (w *tortureWorker) isolate(depth int) {
	tt, rng := w.tt, w.rng
	// IsolateFull inside a harmless scope panics: the member may hold
	// references there.
	full := rng.IntN(4) == 0 && w.mode != modeHarmless
	if w.own {
		// Nested in the member's own isolation: returns at once.
		var release func()
		switch {
		case full && w.ownFull:
			release = w.m.IsolateFull()
		case rng.IntN(2) == 0:
			var ok bool
			if release, ok = w.m.TryIsolate(); !ok {
				tt.violation("member %d: nested TryIsolate failed", w.id)
				return
			}
		default:
			release = w.m.Isolate()
		}
		tt.nested.Add(1)
		if !w.m.Isolated() {
			tt.violation("member %d: not Isolated inside its own isolation", w.id)
		}
		w.ops(depth+1, rng.IntN(3))
		release()
		return
	}
	wasRunning := w.running
	w.setRunning(false)
	if full {
		w.setHolding(false) // an IsolateFull caller holds no references
	}
	release, full := tt.randomIsolate(w.m, rng, full)
	if release == nil {
		if wasRunning {
			w.resumeRunning()
		}
		return
	}
	if full {
		tt.memberFull.Add(1)
	} else {
		tt.memberPlain.Add(1)
	}
	w.own, w.ownFull = true, full
	tt.enterSection(w.id, full)
	if !w.m.Isolated() {
		tt.violation("member %d: not Isolated in its section", w.id)
	}
	w.ops(depth+1, rng.IntN(4))
	tt.leaveSection(w.id)
	w.own, w.ownFull = false, false
	release()
	if w.m.Isolated() {
		tt.violation("member %d: still Isolated after release", w.id)
	}
	if wasRunning {
		w.resumeRunning()
	}
}

// leaveInScope leaves while harmless or idle scopes are open; their end
// funcs, called later in a random order, must do nothing.
func (w *tortureWorker) leaveInScope() {
	w.tt.leftInScope.Add(1)
	w.setRunning(false)
	w.setHolding(false)
	w.m.Leave()
	w.left = true
}

func (w *tortureWorker) loop() {
	tt, rng := w.tt, w.rng
	for !tt.stop.Load() {
		for range rng.IntN(3) {
			tt.outsider(w.id, rng) // not a member now: an outsider
		}
		w.m = tt.iso.Join()
		tt.joins.Add(1)
		w.mode, w.left, w.leftEnds = modeRunning, false, w.leftEnds[:0]
		w.setHolding(true)
		w.setRunning(true)
		w.useShared()
		w.ops(0, 1+rng.IntN(60))
		if w.left {
			rng.Shuffle(len(w.leftEnds), func(i, j int) {
				w.leftEnds[i], w.leftEnds[j] = w.leftEnds[j], w.leftEnds[i]
			})
			for _, end := range w.leftEnds {
				end() // ended by Leave already: a no-op
			}
		} else {
			w.setRunning(false)
			w.setHolding(false)
			w.m.Leave()
		}
		tt.leaves.Add(1)
		w.m = Member{}
	}
}

// sleeper is a member that spends most of its time idle or harmless.
func (w *tortureWorker) sleeper() {
	tt, rng := w.tt, w.rng
	for !tt.stop.Load() {
		w.m = tt.iso.Join()
		w.setHolding(true)
		w.setRunning(true)
		for n := 1 + rng.IntN(40); n > 0 && !tt.stop.Load(); n-- {
			w.useShared()
			w.setRunning(false)
			// Mostly idle, which even a full isolation lets through;
			// sometimes harmless, which holds a full one back.
			if rng.IntN(8) == 0 {
				end := w.m.Harmless()
				time.Sleep(time.Duration(rng.IntN(1000)) * time.Microsecond)
				end.End()
			} else {
				w.setHolding(false)
				end := w.m.Idle()
				time.Sleep(time.Duration(1+rng.IntN(10)) * time.Millisecond)
				end.End()
			}
			tt.sleeperWakes.Add(1)
			w.setHolding(true)
			w.setRunning(true)
		}
		w.setRunning(false)
		w.setHolding(false)
		w.m.Leave()
	}
}
