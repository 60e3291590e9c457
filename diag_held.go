package isolate

import (
	"runtime"
	"time"

	"github.com/isolatekit/isolate/arch"
)

// Reports of members held back by a long-held isolation, and of Joins that
// wait behind one (see the table of what waits in diag_stall.go).

// watchHeld notes, under mu, that the member on sl is held back from now
// on, and arms the held members' report if it is not armed. It returns the
// clock reading it took, or zero if stall reports are off.
func (iso *Isolator) watchHeld(sl *slot) (now time.Time) {
	after := iso.stallAfter()
	if after < 0 {
		return time.Time{}
	}
	now = time.Now()
	sl.diag.heldSince, sl.diag.heldG = now.UnixNano(), arch.G()
	d := &iso.stalls
	// Each hold episode (from the first member held to the admission of
	// the last, heldOver) arms the timer, kept from the episode before
	// outside synctest bubbles, made anew in one (see startEpisode). A
	// timer armed already will do, however late it fires: the report is
	// due by the oldest held member's wait, which a member held later does
	// not make any sooner.
	c := &d.held
	newEpisode := !c.armed
	if !c.startEpisode(now, after, longestArm(after)) {
		gen := c.next()
		c.start(after, func() { iso.reportHeld(gen) })
		newEpisode = true
	}
	if newEpisode {
		d.heldBy = nil // a new count
	}
	return now
}

// heldOver ends a hold episode, under mu, when admitHeld has admitted the
// last held member: its timer is stopped, so that no timer outlives its
// work, and a report func that runs already finds it is not armed (see
// endEpisode: a timer made in a synctest bubble is stopped only from inside
// one, by the admitter of the bubble's members, and one made outside any
// is kept for the next episode).
func (iso *Isolator) heldOver() {
	iso.stalls.held.endEpisode()
}

// reportHeld reports the isolation in progress if members have been held
// back by it longer than a report is due, with who waits for it, and arms
// the next look while members are held. It runs on the timer's goroutine.
// Members held by a pending request, with no isolation in progress, are
// left to that request's own report.
func (iso *Isolator) reportHeld(gen uint64) {
	iso.mu.Lock()
	d := &iso.stalls
	after := iso.stallAfter()
	if !d.held.current(gen) || !d.held.armed {
		iso.mu.Unlock()
		return
	}
	if len(iso.held) == 0 || after < 0 {
		d.held.endEpisode() // disarmed: the next hold arms it again
		iso.mu.Unlock()
		return
	}
	oldest := iso.held[0].diag.heldSince
	for _, sl := range iso.held[1:] {
		if sl.diag.heldSince < oldest {
			oldest = sl.diag.heldSince
		}
	}
	waited := time.Duration(time.Now().UnixNano() - oldest)
	o := iso.owner
	if o == nil || o != d.heldBy || o.grants != d.heldGrant {
		d.held.due, d.held.count = after, 0 // a new grant: a new wait
		d.heldBy = o
		if o != nil {
			d.heldGrant = o.grants
		}
	}
	if o == nil || waited < d.held.due {
		next := after // held by a pending request: look again later
		if o != nil {
			next = d.held.due - waited
		}
		d.held.rearm(next)
		iso.mu.Unlock()
		return
	}
	count := d.held.reported(after, waited, &d.reported)
	holder := iso.holderLocked()
	var held []sighting
	for _, sl := range iso.held {
		held = append(held, sighting{slot: sl, seen: sl.word.load()})
	}
	var pending []party
	for _, q := range []*requestQueue{&iso.plainQ, &iso.fullQ} {
		for req := q.head; req != nil; req = req.after {
			pending = append(pending, req.who())
		}
	}
	isolated := iso.isolatedLocked()
	named := iso.namedLocked()
	joiner := iso.joinerLocked(isolated)
	onStall := iso.OnStall
	iso.mu.Unlock()

	r := StallReport{Kind: StallHeldIsolation, Waited: waited, Count: count, Holder: holder.requesterOrNil()}
	for _, mi := range infos(held, isolated) {
		r.Waiters = append(r.Waiters, Requester{Member: &mi})
	}
	for _, p := range pending {
		r.Waiters = append(r.Waiters, p.requester())
	}
	named2 := infos(named, isolated)
	traces := r.locate(named2, nil, true)
	r.findJoin(infos(joiner, isolated), named2, traces)
	r.send(onStall)
}

// joinerLocked returns the member (at most one) whose goroutine joins
// again and is held, found by arch.G: the holder's (isolated) if it is one
// (under mu).
func (iso *Isolator) joinerLocked(isolated *slot) []sighting {
	var joiner []sighting
	for _, sl := range iso.held {
		found := iso.joinedOnLocked(sl.diag.heldG, sl)
		if len(found) > 0 && (found[0].slot == isolated || joiner == nil) {
			joiner = found
		}
	}
	return joiner
}

// findJoin makes a held-isolation report a join report if a goroutine waits
// in Join: joiner's (a member whose goroutine joins again, found by
// arch.G), a named member's, the holder's first (it waits for itself), or,
// failing those, any goroutine of traces that waits in Join: an outsider,
// whose call site is then the Requester's.
func (r *StallReport) findJoin(joiner, named []MemberInfo, traces map[uint64]goroutineTrace) {
	if len(joiner) > 0 {
		if h := r.Holder; h != nil && h.Member != nil && h.Member.Slot == joiner[0].Slot {
			joiner = []MemberInfo{*h.Member} // where it waits, if named
		}
		r.Kind = StallJoin
		r.askedBy(joiner)
		return
	}
	joins := func(mi *MemberInfo) bool {
		return mi != nil && callsInto(mi.Stack, joinMethods, runtime.Frame{})
	}
	if r.Holder != nil && joins(r.Holder.Member) {
		r.Kind, r.Requester, r.WaitsForItself = StallJoin, Requester{Member: r.Holder.Member}, true
		return
	}
	for _, w := range r.Waiters {
		if joins(w.Member) {
			r.Kind, r.Requester = StallJoin, Requester{Member: w.Member}
			return
		}
	}
	for i := range named {
		if joins(&named[i]) {
			r.Kind, r.Requester = StallJoin, Requester{Member: &named[i]}
			return
		}
	}
	for _, t := range traces {
		if t.reason == "running" || t.reason == "runnable" {
			continue // passing through Join, not held
		}
		if site, ok := callSite(t.frames, joinMethods, runtime.Frame{}); ok {
			r.Kind, r.Requester = StallJoin, Requester{Caller: site}
			return
		}
	}
}
