package isolate

import (
	"context"
	"iter"
	"math/bits"
	"runtime/trace"
	"time"
)

// Who runs next, decided under Isolator.mu: schedule grants the queue heads
// (request.go) when no member blocks them, scans for the members that do,
// watches them (P5, P6), and holds back and admits the members that end
// scopes or join while the gate says an isolation is in progress or
// requested (P2, P4).

// schedule grants the next isolation if it can, and otherwise makes sure that
// the member blocking each queue head will kick it when its word changes.
// It also admits held members that nothing holds any more. It reports
// whether it woke a parked goroutine (see handOff).
func (iso *Isolator) schedule() (woke bool) {
	for iso.owner == nil {
		if len(iso.held) > 0 {
			g := iso.gate.load().sansYield() // a grace period's wish holds nobody
			woke = iso.admitHeld(func(from mode) bool { return !g.holdsBack(from) }) || woke
		}
		full, plain := iso.fullQ.head, iso.plainQ.head
		if iso.dormant {
			plain = nil // its head asks again itself (B1)
		}
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
			w[queueFull] = iso.scan(&iso.fullCursor, full, modeIdle)
			if w[queueFull].slot == nil && (plain == nil || full.ticket < plain.ticket) {
				return iso.grant(full) || woke
			}
		}
		if plain != nil {
			w[queuePlain] = iso.scan(&iso.plainCursor, plain, modeHarmless)
			if w[queuePlain].slot == nil {
				return iso.grant(plain) || woke
			}
		}
		if iso.watch(w) {
			return woke
		}
		// A blocker moved between the scan and the watch: look again.
	}
	return woke
}

// The queues, as indexes of Isolator.watching.
const (
	queuePlain = iota
	queueFull
)

// A sighting is a member as a scan saw it: its slot and its word, and the
// request it blocks, if the scan was for a queue head.
type sighting struct {
	slot *slot
	seen stateBits
	req  *request
}

// scan looks for the first member, from *cursor on, that blocks a request
// needing mode need, skipping req's own member. It leaves *cursor at that
// member so that the next scan resumes there (P2), and returns it with the
// word it saw, or a zero sighting when there is none.
func (iso *Isolator) scan(cursor *int, req *request, need mode) sighting {
	for w := range iso.blockers(*cursor, req.memberSlot(), need) {
		*cursor = w.slot.index
		w.req = req
		return w
	}
	return sighting{}
}

// blockers yields, in slot order from the slot index from on, the members
// that block a request needing mode need, other than the one on self (nil:
// none), with the word it saw (req is not set). A grace period's snapshot
// runs it without mu: a group retired meanwhile has only idle slots and is
// skipped (T1, T2).
func (iso *Isolator) blockers(from int, self *slot, need mode) iter.Seq[sighting] {
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
				st := g.words[i].load()
				if st.blocks(need) && &g.slots[i] != self && !yield(sighting{slot: &g.slots[i], seen: st}) {
					return
				}
			}
		}
	}
}

// denseGroup is the number of occupied slots from which scan first checks a
// whole group at once: reading all 64 state words with independent loads
// costs less than visiting that many slots one by one.
const denseGroup = 16

// all reports whether no state word of g blocks a request that needs mode
// need: the AND of the words has need's bits (see mode). Slots that are
// free are idle, which blocks nothing (T1); the requester's own slot,
// harmless or idle while it waits, blocks nothing either.
func (g *slotGroup) all(need mode) bool {
	s := g.words
	// Four accumulators, so that the loads do not wait for each other.
	a, b, c, d := ^stateBits(0), ^stateBits(0), ^stateBits(0), ^stateBits(0)
	for i := 0; i < groupSize; i += 4 {
		a &= s[i].load()
		b &= s[i+1].load()
		c &= s[i+2].load()
		d &= s[i+3].load()
	}
	return !(a & b & c & d).blocks(need)
}

// watch asks the blockers w (zero entries: none) to kick the Isolator on
// their next move, and clears the flags it set before on members that
// block no queue head any more (P6). It reports false if a blocker's word
// changed since its scan; schedule then looks again. An old flag is cleared
// only if no new watch names its member, which keeps the flag of a member
// that blocks both heads (model mutant CLEAR_OTHER: a deadlock otherwise).
func (iso *Isolator) watch(w [2]sighting) bool {
	old := iso.watching
	iso.watching = w
	ok := w[queueFull].setWatched() && w[queuePlain].setWatched()
	for _, o := range old {
		if o.slot != nil && o.slot != w[queuePlain].slot && o.slot != w[queueFull].slot {
			o.slot.word.unwatch()
		}
	}
	return ok
}

// setWatched sets the watched flag of the member seen, if its word is
// still what the scan saw (P5); a zero sighting needs nothing.
func (w sighting) setWatched() bool {
	return w.slot == nil || w.slot.word.watch(w.seen)
}

// unwatch clears the watches made for req, which is being granted or
// withdrawn: nobody needs its blockers' kicks any more.
func (iso *Isolator) unwatch(req *request) {
	for q := range iso.watching {
		w := &iso.watching[q]
		if w.req != req {
			continue
		}
		if other := iso.watching[1-q].slot; w.slot != nil && w.slot != other {
			w.slot.word.unwatch()
		}
		*w = sighting{}
	}
}

// reschedule runs schedule for a member whose move an isolator watched
// (the kick of P5), and reports whether that woke a parked goroutine (see
// handOff).
func (iso *Isolator) reschedule() (woke bool) {
	iso.mu.Lock()
	woke = iso.schedule()
	iso.mu.Unlock()
	return woke
}

// maxLetGo is how many times one scope end of a member may be let go
// (P4): a member let go may find another isolation in progress when it
// gets a processor, and be held again. With many more runnable goroutines
// than processors, that is common: the isolation that got in meanwhile
// often began before the member ran, and a member set running at its
// second hold (maxLetGo 1) waited in the run queue while the next
// isolation waited for it, an isolation after another. Each let-go adds
// one isolation at most to what holds the member back, so it still runs
// after maxLetGo+1 isolations at most.
const maxLetGo = 4

// hold records that the member on sl waits for the gate to let it run, as a
// member ending a scope of mode from would (its word holds from, or idle
// for a withdrawn full request). The Isolator will set it running and wake
// it, or, if letGo is set, may let it go in mode from (see admitHeld). It
// returns the clock reading that the hold's report took (zero if stall
// reports are off), which the member's park need not take again (see
// waiter.waitSince).
func (iso *Isolator) hold(sl *slot, from mode, letGo bool) (now time.Time) {
	sl.heldFrom, sl.letGo = from, letGo
	sl.arm()
	iso.held = append(iso.held, sl)
	return iso.watchHeld(sl)
}

// admitHeld admits every held member for which mayRun holds: sets it
// running, or lets it go (below), and wakes it; it reports whether one of
// them was parked. Admitting many members at once wakes no herd: each of
// them runs on, none waits for another. The held list gives back what a
// burst of held members made it grow.
//
// While no request waits, a member held as it ended a scope, fewer than
// maxLetGo times let go in that scope end (slot.letGo), is let go instead
// (P4): its word, which says the mode of the scope (harmless or idle),
// stays so, and the member, woken, publishes running itself
// (member.resumeSlow). Set running, it would count as running from now
// until it gets a processor and reaches its next scope: with more runnable
// goroutines than processors, milliseconds for which an isolation or grace
// period requested meanwhile would wait for a goroutine that has not run
// yet.
func (iso *Isolator) admitHeld(mayRun func(from mode) bool) (woke bool) {
	kept := iso.held[:0]
	letGo := iso.plainQ.head == nil && iso.fullQ.head == nil
	for _, sl := range iso.held {
		if !mayRun(sl.heldFrom) {
			kept = append(kept, sl)
			continue
		}
		if letGo && sl.letGo {
			woke = sl.signal() || woke // its word is unchanged: no rescan
			continue
		}
		sl.letGo = false
		sl.word.set(modeRunning)
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

// admitOrHold is the slow path of member mb going from mode from to
// running (member.resumeSlow): the gate was not clear, or an isolator
// watched it (watched: the member's swap to running took the watched flag).
// It lets the member run, or holds it back until an isolation ends; its own
// request's grant never holds it back. A held member may be let go by its
// admission (letGo: a hold of this scope end before its maxLetGo'th
// let-go; see admitHeld): admitOrHold then reports wasLetGo, the member's
// word says from still, and its caller publishes running again, as the
// scope's end did.
//
// A member that the gate holds goes back to from with its own swap (back)
// before it takes mu, not under mu: from its swap to running until then,
// its word says running, and a scan that sees it waits for it, a member
// that only waits for a lock. Waiting for a contended mu (every member
// that ends a scope while the gate is closed takes it) would stretch that
// window from nanoseconds to as long as the member waits for mu and then
// for a processor: with many more members than processors, milliseconds
// of an isolation's wait. The swap back is publish, as a scope's start is
// enter: it counts an idle entry when from is idle (a grace period may have
// recorded the word running, with the old count: P7, G1), hands an awaited
// flag on (P8), and a watched flag it takes (a scan saw the member running)
// makes the member schedule under mu, as a kick would (P5).
//
// Under mu the gate is read again. If it still holds the member, the member
// is held, its word saying from already. If it has let go meanwhile (a
// release, a withdrawal), the member swaps to running again under mu
// (resumeLocked): no request publishes itself in the gate or scans
// meanwhile, so the next scan sees it running (P1), and no request that
// needs from is pending, so no scan has passed its slot on the strength of
// from (P2). A member inside its own section (own > 0) is never held, and
// takes mu without going back. A held member's word says from: to a scan
// nothing changed, so schedule runs only for a kick, when the member was
// watched before it came here or before it went back (a scan may have seen
// it running then).
func (iso *Isolator) admitOrHold(mb *member, from mode, watched, letGo bool) (wasLetGo bool) {
	g := iso.gate.load()
	if !watched && !g.sansYield().holdsBack(from) {
		// Only a grace period's wish: let the members it waits for run
		// (see the gate in the protocol), once per park of the grace
		// period, so that a long wait for a member that runs costs the
		// others a yield each, not one per scope. The load comes after
		// the member's swap to running, as resume's does (P1).
		if gen := iso.grace.yieldGen.Load(); g.yield() && mb.yielded != gen {
			mb.yielded = gen
			handOff(true)
		}
		return false
	}
	back := mb.own == 0 && g.sansYield().holdsBack(from)
	if back {
		watched = mb.publish(from).watched() || watched
	}
	sl, own := mb.slot, mb.req
	iso.mu.Lock()
	held, first, since := false, false, time.Time{}
	if (own == nil || iso.owner != own) && iso.gate.load().sansYield().holdsBack(from) {
		if !back {
			// The gate closed after this member's load: it goes
			// back under mu.
			watched = mb.publish(from).watched() || watched
		}
		// Only the first member held by an isolated section may spin:
		// the section may be brief, and its release wakes the first
		// held member fast. Everyone after it parks at once, as does
		// a member held by a request that waits for members (which
		// may wait long).
		first = len(iso.held) == 0 && iso.owner != nil
		since = iso.hold(sl, from, letGo)
		held = true
	} else if back {
		watched = mb.resumeLocked().watched() || watched
	}
	if watched {
		iso.schedule()
	}
	iso.mu.Unlock()
	if held {
		if trace.IsEnabled() {
			defer trace.StartRegion(context.Background(), "isolate: held by isolation").End()
		}
		sl.waitSince(first, nil, since)
		return sl.letGo // read after the admission that woke us
	}
	return false
}
