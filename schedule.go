package isolate

import (
	"context"
	"math/bits"
	"runtime/trace"
)

// This file holds the part of the protocol that runs under Isolator.mu:
// granting, releasing, withdrawing requests, holding members back and
// admitting them again.

// schedule grants the next isolation if it can, and otherwise makes sure that
// the member blocking each queue head will kick it when its state changes.
// It also admits held members that nothing holds any more.
func (iso *Isolator) schedule() {
	for iso.owner == nil {
		if len(iso.held) > 0 {
			g := iso.gate.Load()
			iso.admitHeld(func(from uint32) bool { return !holds(from, g) })
		}
		full, plain := iso.fullQ.head, iso.plainQ.head
		if full == nil && plain == nil {
			return
		}
		// A full request goes first whenever it is eligible, ahead of
		// the plain requests that came after it; a plain one may pass it
		// while it is not (a member waiting in a plain request is
		// harmless but not idle, and would block it forever). An eligible
		// full request waits for an older plain one: otherwise a member
		// isolating full back to back starves every plain request.
		var fullBlocker, plainBlocker *slot
		var fullSeen, plainSeen uint32
		if full != nil {
			fullBlocker, fullSeen = iso.scan(&iso.fullFrom, full, stateIdle)
			if fullBlocker == nil && (plain == nil || full.ticket < plain.ticket) {
				iso.grant(full)
				return
			}
		}
		if plain != nil {
			plainBlocker, plainSeen = iso.scan(&iso.plainFrom, plain, stateHarmless)
			if plainBlocker == nil {
				iso.grant(plain)
				return
			}
		}
		if watch(fullBlocker, fullSeen) && watch(plainBlocker, plainSeen) {
			return
		}
		// A blocker changed state between the scan and the watch: look again.
	}
}

// scan looks for the first member, from *from on, whose state lacks the bits
// of need, skipping the requester itself. It leaves *from at that member so
// that the next scan resumes there (invariant 2), and returns the member and
// the state it saw, or nil when there is none.
func (iso *Isolator) scan(from *int, req *request, need uint32) (*slot, uint32) {
	t := iso.table.Load()
	if t == nil {
		return nil, 0
	}
	var self *slot
	if req.member != nil {
		self = req.member.slot
	}
	for gi := *from / groupSize; gi < len(t.groups); gi++ {
		g := t.groups[gi]
		active := g.active.Load()
		if gi == *from/groupSize {
			active &= ^uint64(0) << (*from % groupSize)
		}
		if bits.OnesCount64(active) >= denseGroup && g.all(need) {
			continue
		}
		for ; active != 0; active &= active - 1 {
			i := lowestBit(active)
			if st := g.states[i].Load(); st&need != need && &g.slots[i] != self {
				*from = g.slots[i].index
				return &g.slots[i], st
			}
		}
	}
	return nil, 0
}

// denseGroup is the number of active slots from which scan first checks a
// whole group at once: reading all 64 state words with independent loads
// costs less than visiting that many slots one by one (a third here).
const denseGroup = 16

// all reports whether every state word of g has the bits of need. Slots
// that are not active hold stateIdle, which has them all; the requester's
// own slot, harmless or idle while it waits, has them too.
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
	return a&b&c&d&need == need
}

// watch asks the blocker s, seen in state seen, to kick the Isolator on its
// next state change. It reports false if the state changed meanwhile.
func watch(s *slot, seen uint32) bool {
	if s == nil || seen&stateWatched != 0 {
		return true
	}
	return s.state.CompareAndSwap(seen, seen|stateWatched)
}

// kick runs schedule for a member whose state change an isolator watched.
func (iso *Isolator) kick() {
	iso.mu.Lock()
	iso.schedule()
	iso.mu.Unlock()
}

// weight is what a request adds to the gate while it is pending.
func weight(req *request) uint64 {
	if req.full {
		return gateFull
	}
	return gatePlain
}

func (iso *Isolator) queueOf(req *request) *requestQueue {
	if req.full {
		return &iso.fullQ
	}
	return &iso.plainQ
}

// enqueue makes req pending and publishes it in the gate (invariant 1: before
// any scan that may grant it).
func (iso *Isolator) enqueue(req *request) {
	iso.tickets++
	req.ticket = iso.tickets
	iso.queueOf(req).push(req)
	iso.gate.Add(weight(req))
}

// unqueue takes req out of its queue; the caller fixes the gate.
func (iso *Isolator) unqueue(req *request) {
	iso.queueOf(req).remove(req)
	iso.rescan()
}

// rescan makes the next scans start from the first slot (invariant 2).
func (iso *Isolator) rescan() {
	iso.plainFrom, iso.fullFrom = 0, 0
}

// grant makes req the owner and wakes its goroutine. A member's state goes
// back to what it was before it asked: nobody scans while the grant is held,
// and the release leaves the member in that state (invariant 3).
func (iso *Isolator) grant(req *request) {
	iso.unqueue(req)
	iso.owner = req
	iso.gate.Add(gateGranted - weight(req))
	if m := req.member; m != nil {
		m.slot.state.Swap(req.mode)
	}
	iso.counts.countGrant(req)
	if trace.IsEnabled() {
		_, req.task = trace.NewTask(context.Background(), "isolate: isolated section")
	}
	if !req.asking {
		req.signal()
	}
}

// releaseLocked ends the isolation that req holds: the members it held back
// run first (invariant 4), then schedule looks for the next grant.
func (iso *Isolator) releaseLocked(req *request) {
	if req.task != nil {
		req.task.End()
		req.task = nil
	}
	iso.owner = nil
	fullPending := iso.gate.And(^gateGranted)&gateFullMask != 0
	if len(iso.held) > 0 {
		iso.admitHeld(func(from uint32) bool {
			return from == stateHarmless || req.full || !fullPending
		})
	}
	iso.schedule()
}

// withdrawLocked takes back the pending request req. A member's state goes
// back to what it was before it asked, except that a member that was running
// is held while someone else's isolation is in progress: withdrawLocked then
// reports true and the member must wait on its slot.
func (iso *Isolator) withdrawLocked(req *request) (held bool) {
	iso.unqueue(req)
	iso.gate.Add(-weight(req))
	if m := req.member; m != nil {
		if req.mode == stateRunning && iso.owner != nil {
			m.slot.state.Swap(stateHarmless)
			iso.hold(m.slot, stateHarmless)
			held = true
		} else {
			m.slot.state.Swap(req.mode)
		}
	}
	iso.schedule()
	return held
}

// hold records that the member on s waits, in state from, for the gate to let
// it run. The Isolator will set it running and wake it.
func (iso *Isolator) hold(s *slot, from uint32) {
	s.heldFrom = from
	s.arm()
	iso.held = append(iso.held, s)
}

// admitHeld sets running and wakes every held member for which mayRun holds.
func (iso *Isolator) admitHeld(mayRun func(from uint32) bool) {
	kept := iso.held[:0]
	for _, s := range iso.held {
		if !mayRun(s.heldFrom) {
			kept = append(kept, s)
			continue
		}
		s.state.Swap(stateRunning)
		s.signal()
		iso.rescan()
	}
	clear(iso.held[len(kept):])
	iso.held = kept
}

// resumeSlow is the slow path of a member on s going from state from to
// running: the gate was not clear, or an isolator watched it. own is the
// member's request (nil if it never isolated), whose grant never holds it
// back.
func (iso *Isolator) resumeSlow(s *slot, own *request, from uint32) {
	iso.mu.Lock()
	held, busy := false, false
	if (own == nil || iso.owner != own) && holds(from, iso.gate.Load()) {
		s.state.Swap(from)
		iso.hold(s, from)
		// An isolated section runs, maybe briefly: worth a spin. A
		// request that waits for members may wait long: park at once.
		held, busy = true, iso.owner != nil
	}
	iso.schedule()
	iso.mu.Unlock()
	if held {
		if trace.IsEnabled() {
			defer trace.StartRegion(context.Background(), "isolate: held by isolation").End()
		}
		s.wait(busy, nil, nil, nil)
	}
}
