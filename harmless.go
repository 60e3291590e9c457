package isolate

import (
	"github.com/isolatekit/isolate/arch"
)

// A member's moves between modes: the scopes that make them (Harmless,
// Idle, Busy), Poll, and the moves themselves on the member's state word
// (enter, resume, publish), with their slow paths. The scope stack that
// records the scopes is in scope.go.

// Harmless marks the member harmless until the scope's End is called: it
// promises not to touch the shared state the Isolator protects, so that an
// isolation may run meanwhile. Harmless never blocks; End waits for such an
// isolation to end. Wrap every call that may block inside a job:
//
//	sc := m.Harmless()
//	v, err := conn.Read(buf)
//	sc.End()
//
// Scopes nest, and must end in the reverse order of opening. Harmless
// inside an idle scope or inside another harmless scope changes nothing.
// Inside the member's own isolated section it is allowed and waits for
// nobody.
//
// End belongs to this one scope: a stale End panics, whatever has
// happened since (see [Scope.End]).
// At most 1000 scopes may be open at once: opening one more panics, for
// it means that some End is never called (`m.Harmless()` without `.End()`
// is the usual mistake; isolatevet reports it).
func (m Member) Harmless() Scope {
	mb := m.live()
	prev := mb.mode
	mb.reserve()
	if prev == modeRunning {
		// Publish first: the swap then finds no store of ours to wait for.
		// enter, written out: enter does not inline, and this is the
		// fast path that every blocking call of a member pays.
		if old := mb.word.swap(modeHarmless, mb.count); old.flagged() {
			mb.flagged(old)
		}
		mb.mode = modeHarmless
	}
	return Scope{mb, mb.push(kindHarmless, prev)}
}

// Idle marks the member idle until the scope's End is called: harmless, and holding no
// reference to shared objects (typically: waiting for its next job), so that
// even a full isolation ([Isolator.IsolateFull]) may run meanwhile. Idle
// never blocks; End waits while any isolation is in progress or requested.
//
// Idle panics inside a harmless scope, where the member may hold
// references, and inside a busy scope opened in a harmless scope, which
// runs on with them. Harmless and Idle scopes nested inside Idle change
// nothing. End is bound to its scope as Harmless's is.
func (m Member) Idle() Scope {
	mb := m.live()
	if mb.mode == modeHarmless || mb.depth > 0 && mb.mode == modeRunning && mb.busyInHarmless() {
		panic("isolate: Idle inside a Harmless scope")
	}
	mb.reserve()
	prev := mb.mode
	if prev == modeRunning {
		mb.mode = modeIdle
		mb.count = mb.count.next()
		// enter, written out as in Harmless.
		if old := mb.word.swap(modeIdle, mb.count); old.flagged() {
			mb.flagged(old)
		}
	}
	return Scope{mb, mb.push(kindIdle, prev)}
}

// Busy makes the member run until the scope's End is called, which puts it
// back in the state it was in: the inverse of an idle or harmless scope. It
// is the scope of a member that joined idle ([Isolator.JoinIdle]) and runs
// only in callbacks:
//
//	defer m.Busy().End()
//
// Busy may block: in an idle scope, or a member that joined idle, it waits
// as the end of an idle scope does, while any isolation is in progress or
// requested; in a harmless scope, as the end of a harmless scope does.
// Inside it the member is running: its scopes, requests and Poll work as
// for any running member. End never blocks: the member is idle (counting an
// idle entry, which grace periods see) or harmless again.
//
// Busy in a running member changes nothing (but that its End must still
// be called). Inside the member's own isolated section it never blocks: it
// changes nothing either, unless a harmless or idle scope opened inside
// the section made the member harmless or idle; Busy then makes it run
// until End, as that scope's End would. End is bound to its scope as
// Harmless's is.
func (m Member) Busy() Scope {
	mb := m.live()
	mb.reserve()
	tag := mb.push(kindBusy, mb.mode)
	// In its own section the member's word says what the section began in
	// (running for a member that asked from an idle scope: see grant in
	// request.go) as long as its mode is the one it asked in: End then
	// finds the mode unchanged, and changes nothing either. A harmless or
	// idle scope opened inside the section published its state, an idle
	// one an idle entry that grace periods see: Busy publishes running
	// again, as that scope's End would, whose slow path finds that the
	// member holds the grant and does not wait; End publishes the scope's
	// state again, an idle one with a new idle entry (restore).
	if mb.mode != modeRunning && (mb.own == 0 || mb.mode != mb.stack[mb.own-1].prev) {
		// A callback member runs on this goroutine until End: stall
		// reports find it by its G (see diag_requester.go), End forgets it.
		mb.slot.diag.setG(arch.G())
		mb.resume()
	}
	return Scope{mb, tag}
}

// busyInHarmless reports whether the member, running, runs in a busy scope
// opened in a harmless scope: the innermost open scope that did not open
// running was opened harmless (then only a busy scope made it run) or
// idle.
//
//go:noinline
func (mb *member) busyInHarmless() bool {
	for d := mb.depth - 1; d >= 0; d-- {
		if prev := mb.stack[d].prev; prev != modeRunning {
			return prev == modeHarmless
		}
	}
	return false
}

// restore puts a member whose busy scope ended back in its mode from before
// the scope, prev (harmless or idle), as Harmless or Idle would. The member
// runs on no goroutine that reports can tell from here on.
func (mb *member) restore(prev mode) {
	mb.slot.diag.setG(0)
	if prev == modeIdle {
		mb.mode = modeIdle
		mb.count = mb.count.next()
		mb.enter(modeIdle)
		return
	}
	mb.enter(modeHarmless)
	mb.mode = modeHarmless
}

// Poll is a safepoint for members that run long without blocking: if an
// isolation is in progress or a plain one requested, the member becomes
// harmless until no isolation is in progress or requested (Poll blocks
// meanwhile), then runs on.
// Otherwise Poll costs one load. It inlines: that load is at the call
// site. A pending full isolation alone does not
// stop it: it waits for members to be idle, which Poll cannot make them.
// Inside a harmless, idle or own isolated scope Poll does nothing.
func (m Member) Poll() {
	if m.gate.holdsHarmless() {
		m.pollSlow()
	}
}

func (m Member) pollSlow() {
	mb := m.live()
	if mb.mode != modeRunning || mb.own > 0 {
		return
	}
	mb.mode = modeHarmless
	mb.enter(modeHarmless)
	mb.resume()
}

// enter publishes that the member is harmless or idle (to; a caller moving
// into idle has made mb.mode idle), and kicks an isolator or a grace period
// that waits for this move. Such a caller has counted the idle entry in
// mb.count (P7). It does not inline (its cost is just over the budget):
// Harmless and Idle, the fast paths, write its body out; the slow paths
// (Poll's, the end of a busy scope) call it.
func (mb *member) enter(to mode) {
	if old := mb.word.swap(to, mb.count); old.flagged() {
		mb.flagged(old)
	}
}

// flagged is the slow path of enter's move, which found the flags of the
// word old set: the awaited flag is handed on, or reported if the member's
// mode is idle (P8; Harmless sets its mode only after enter, so
// flagged sees running there, and hands the flag on as for harmless), and a
// watched flag kicks the Isolator.
//
//go:noinline
func (mb *member) flagged(old stateBits) {
	woke := false
	if old.awaited() {
		woke = mb.passAwaited(mb.mode)
	}
	if old.watched() {
		woke = mb.iso.reschedule() || woke
	}
	handOff(woke)
}

// passAwaited hands an awaited flag, which the member's move to mode to has
// just cleared, on to to if a grace period still watches the member, or
// wakes the grace periods if to is idle (P8, grace.go); it reports whether
// that woke a parked goroutine (see handOff).
func (mb *member) passAwaited(to mode) (woke bool) {
	if to == modeIdle {
		return mb.iso.grace.wakeAll()
	}
	mb.iso.grace.handOn(mb.slot)
	return false
}

// publish writes mode to (harmless or idle) in the member's word on a slow
// path of its own goroutine, as enter does, and returns the old word. It
// kicks no isolator: its callers schedule under mu if the old word has the
// watched flag (Isolator.admitOrHold calls it before it takes mu, the
// others under mu).
func (mb *member) publish(to mode) (old stateBits) {
	if to == modeIdle && mb.word.load().mode() != modeIdle {
		mb.count = mb.count.next()
	}
	old = mb.word.swap(to, mb.count)
	if old.awaited() {
		mb.passAwaited(to)
	}
	return old
}

// resumeLocked publishes that the member runs, under Isolator.mu, after
// admitOrHold's return to the member's mode found the gate clear (P1: no
// request publishes itself or scans meanwhile), and returns the old word:
// its caller schedules if it has the watched flag, and an awaited flag in
// it goes on (P8), as on resume's path.
func (mb *member) resumeLocked() (old stateBits) {
	old = mb.word.swap(modeRunning, mb.count)
	if old.awaited() {
		mb.passAwaited(modeRunning)
	}
	return old
}

// resume publishes that the member runs, then checks the gate (P1): if an
// isolation holds it back, or an isolator watched it, the slow path
// decides. It does not inline (its cost is over the budget): its callers
// call it.
func (mb *member) resume() {
	from := mb.mode
	mb.mode = modeRunning
	if old, slow := mb.swapRunning(from); slow {
		mb.resumeSlow(from, old)
	}
}

// swapRunning is resume's step: the member's swap to running, then its gate
// load (P1, in this order). It returns the word the swap replaced, and
// whether the slow path must decide: a flag was taken, or the gate holds a
// member leaving mode from. It inlines.
func (mb *member) swapRunning(from mode) (old stateBits, slow bool) {
	old = mb.word.swap(modeRunning, mb.count)
	return old, old.flagged() || mb.gate.load().holdsBack(from)
}

// resumeSlow is out of line, so that resume stays short. old is the word
// that resume's swap replaced: an awaited flag in it goes on (P8), and
// takes no lock; the Isolator's slow path (admitOrHold) is for a watched
// flag or a gate that holds the member back.
//
// A member that an isolation held and then let go (see admitHeld) runs
// resume's swap and gate load again; once let go maxLetGo times, it is
// admitted running when next held (P4), so this runs at most maxLetGo+1
// times.
//
//go:noinline
func (mb *member) resumeSlow(from mode, old stateBits) {
	letGos := 0
	for {
		if old.awaited() {
			mb.passAwaited(modeRunning)
			if !old.watched() && !mb.gate.load().holdsBack(from) {
				return
			}
		}
		if !mb.iso.admitOrHold(mb, from, old.watched(), letGos < maxLetGo) {
			return
		}
		letGos++
		var slow bool
		if old, slow = mb.swapRunning(from); !slow {
			return
		}
	}
}
