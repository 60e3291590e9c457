package isolate

import (
	"context"
	"iter"
	"math/bits"
	"runtime/trace"
)

// This file holds the part of the protocol that runs under Isolator.mu:
// granting, releasing, withdrawing requests, holding members back and
// admitting them again.

// schedule grants the next isolation if it can, and otherwise makes sure that
// the member blocking each queue head will kick it when its state changes.
// It also admits held members that nothing holds any more. It reports
// whether it woke a parked goroutine (see handOff).
func (iso *Isolator) schedule() (woke bool) {
	for iso.owner == nil {
		if len(iso.held) > 0 {
			g := iso.gate.Load() &^ gateYield // a grace period's wish holds nobody
			woke = iso.admitHeld(func(from uint32) bool { return !holds(from, g) }) || woke
		}
		full, plain := iso.fullQ.head, iso.plainQ.head
		if full == nil && plain == nil {
			return woke
		}
		// A full request goes first whenever it is eligible, ahead of
		// the plain requests that came after it; a plain one may pass it
		// while it is not (a member waiting in a plain request is
		// harmless but not idle, and would block it forever). An eligible
		// full request waits for an older plain one: otherwise a member
		// isolating full back to back starves every plain request.
		var w [2]sighting
		if full != nil {
			w[queueFull] = iso.scan(&iso.fullCursor, full, stateIdle)
			if w[queueFull].slot == nil && (plain == nil || full.ticket < plain.ticket) {
				return iso.grant(full) || woke
			}
		}
		if plain != nil {
			w[queuePlain] = iso.scan(&iso.plainCursor, plain, stateHarmless)
			if w[queuePlain].slot == nil {
				return iso.grant(plain) || woke
			}
		}
		if iso.watch(w) {
			return woke
		}
		// A blocker changed state between the scan and the watch: look again.
	}
	return woke
}

// The queues, as indexes of Isolator.watching.
const (
	queuePlain = iota
	queueFull
)

// watched is a member that blocks the head of a queue: its slot, the state
// the scan saw, and the request it blocks.
type sighting struct {
	slot *slot
	seen uint32
	req  *request
}

// scan looks for the first member, from *cursor on, whose state lacks the
// bits of need, skipping req's own member. It leaves *cursor at that member
// so that the next scan resumes there (invariant 2), and returns it with the
// state it saw, or a zero watched when there is none.
func (iso *Isolator) scan(cursor *int, req *request, need uint32) sighting {
	for w := range iso.blockers(*cursor, req.memberSlot(), need) {
		*cursor = w.slot.index
		w.req = req
		return w
	}
	return sighting{}
}

// blockers yields, in slot order from the slot index from on, the members
// whose state lacks the bits of need, other than the one on self (nil:
// none), with the state it saw (req is not set). A grace period's snapshot
// runs it without mu: a group retired meanwhile has only idle slots and is
// skipped (slots.go, invariants 1 and 2).
func (iso *Isolator) blockers(from int, self *slot, need uint32) iter.Seq[sighting] {
	return func(yield func(sighting) bool) {
		t := iso.table.Load()
		if t == nil {
			return
		}
		for _, g := range t.from(from) {
			occupied := g.occupied.Load()
			if g.pos == from/groupSize {
				occupied &= ^uint64(0) << (from % groupSize)
			}
			if bits.OnesCount64(occupied) >= denseGroup && g.all(need) {
				continue
			}
			for ; occupied != 0; occupied &= occupied - 1 {
				i := bits.TrailingZeros64(occupied)
				st := g.states[i].Load()
				if blocks(st, need) && &g.slots[i] != self && !yield(sighting{slot: &g.slots[i], seen: st}) {
					return
				}
			}
		}
	}
}

// blocks reports whether a member in state st keeps a request that needs the
// state bits need waiting: the one test of who blocks.
func blocks(st, need uint32) bool {
	return st&need != need
}

// denseGroup is the number of occupied slots from which scan first checks a
// whole group at once: reading all 64 state words with independent loads
// costs less than visiting that many slots one by one.
const denseGroup = 16

// all reports whether every state word of g has the bits of need. Slots
// that are free hold stateIdle, which has them all; the requester's own
// slot, harmless or idle while it waits, has them too.
func (g *slotGroup) all(need uint32) bool {
	s := g.states
	// Four accumulators, so that the loads do not wait for each other.
	a, b, c, d := ^uint32(0), ^uint32(0), ^uint32(0), ^uint32(0)
	for i := 0; i < groupSize; i += 4 {
		a &= s[i].Load()
		b &= s[i+1].Load()
		c &= s[i+2].Load()
		d &= s[i+3].Load()
	}
	return !blocks(a&b&c&d, need)
}

// watch asks the blockers w (zero entries: none) to kick the Isolator on
// their next state change, and clears the flags it set before on members
// that block no queue head any more. It reports false if a blocker's state
// changed since its scan; schedule then looks again. An old flag is cleared
// only if no new watch names its member, which keeps the flag of a member
// that blocks both heads (model mutant CLEAR_OTHER: a deadlock otherwise).
func (iso *Isolator) watch(w [2]sighting) bool {
	old := iso.watching
	iso.watching = w
	ok := setWatched(w[queueFull]) && setWatched(w[queuePlain])
	for _, o := range old {
		if o.slot != w[queuePlain].slot && o.slot != w[queueFull].slot {
			clearFlag(o.slot, stateWatched)
		}
	}
	return ok
}

// setWatched sets the watched flag of w's member, if it is still in the
// state the scan saw (invariant 5).
func setWatched(w sighting) bool {
	if w.slot == nil || w.seen&stateWatched != 0 {
		return true
	}
	return w.slot.word.CompareAndSwap(w.seen, w.seen|stateWatched)
}

// clearFlag clears the flag (watched or awaited) of the member on s (nil:
// none), if it is set. The member may change its state meanwhile: its Swap
// clears the flag too, and what it does because it saw the flag (a kick, a
// hand-on) only costs one more look (see the protocol and grace.go).
func clearFlag(sl *slot, flag uint32) {
	if sl == nil {
		return
	}
	for st := sl.word.Load(); st&flag != 0; st = sl.word.Load() {
		if sl.word.CompareAndSwap(st, st&^flag) {
			return
		}
	}
}

// unwatch clears the watches made for req, which is being granted or
// withdrawn: nobody needs its blockers' kicks any more.
func (iso *Isolator) unwatch(req *request) {
	for q := range iso.watching {
		w := &iso.watching[q]
		if w.req != req {
			continue
		}
		if other := iso.watching[1-q].slot; w.slot != other {
			clearFlag(w.slot, stateWatched)
		}
		*w = sighting{}
	}
}

// kick runs schedule for a member whose state change an isolator watched,
// and reports whether that woke a parked goroutine (see handOff).
func (iso *Isolator) reschedule() (woke bool) {
	iso.mu.Lock()
	woke = iso.schedule()
	iso.mu.Unlock()
	return woke
}

// hold records that the member on s waits for the gate to let it run, as a
// member ending a scope of state from would (its word holds from, or idle
// for a withdrawn full request). The Isolator will set it running and wake
// it.
func (iso *Isolator) hold(sl *slot, from uint32) {
	sl.heldFrom = from
	sl.arm()
	iso.held = append(iso.held, sl)
	iso.watchHeld(sl)
}

// admitHeld sets running and wakes every held member for which mayRun holds,
// and reports whether one of them was parked. Admitting many members at
// once wakes no herd: each of them runs on, none waits for another. The
// held list gives back what a burst of held members made it grow.
func (iso *Isolator) admitHeld(mayRun func(from uint32) bool) (woke bool) {
	kept := iso.held[:0]
	for _, sl := range iso.held {
		if !mayRun(sl.heldFrom) {
			kept = append(kept, sl)
			continue
		}
		setState(sl.word, stateRunning)
		woke = sl.signal() || woke
		iso.rescan()
	}
	clear(iso.held[len(kept):])
	iso.held = shrunk(kept)
	if len(iso.held) == 0 {
		iso.heldOver()
	}
	return woke
}

// resumeSlow is the slow path of member m going from state from to running:
// the gate was not clear, or an isolator watched it (watched: the member's
// swap to running took the watched flag). Its own request's grant never
// holds it back.
//
// A held member goes back to from: to a scan nothing changed, so schedule
// runs only for a kick, when the member was watched before it came here or
// while it waited for mu (a scan may have seen it running then).
func (iso *Isolator) admitOrHold(m *member, from uint32, watched bool) {
	if g := iso.gate.Load(); !watched && !holds(from, g&^gateYield) {
		// Only a grace period's wish: let the members it waits for run
		// (see the gate in the protocol), once per park of the grace
		// period, so that a long wait for a member that runs costs the
		// others a yield each, not one per scope. The load comes after
		// the member's Swap to running, as resume's does (invariant 1).
		if gen := iso.grace.yieldGen.Load(); g&gateYield != 0 && m.slot.yielded != gen {
			m.slot.yielded = gen
			handOff(true)
		}
		return
	}
	sl, own := m.slot, m.req
	iso.mu.Lock()
	held, first := false, false
	if (own == nil || iso.owner != own) && holds(from, iso.gate.Load()&^gateYield) {
		watched = m.publish(from)&stateWatched != 0 || watched
		// Only the first member held by an isolated section may spin:
		// the section may be brief, and its release wakes the first
		// held member fast. Everyone after it parks at once, as does
		// a member held by a request that waits for members (which
		// may wait long).
		first = len(iso.held) == 0 && iso.owner != nil
		iso.hold(sl, from)
		held = true
	}
	if watched {
		iso.schedule()
	}
	iso.mu.Unlock()
	if held {
		if trace.IsEnabled() {
			defer trace.StartRegion(context.Background(), "isolate: held by isolation").End()
		}
		sl.wait(first, nil)
	}
}
