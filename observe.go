package isolate

import (
	"fmt"
	"math/bits"
	"time"
)

// Stats is a snapshot of an Isolator's activity, from [Isolator.Stats].
type Stats struct {
	Members        int           // members joined now
	Isolations     uint64        // plain isolations granted so far
	FullIsolations uint64        // full isolations granted so far
	Abandoned      uint64        // requests given up because their context ended
	Waited         uint64        // requests that had to wait for their grant
	TotalWait      time.Duration // time those requests waited, in all
	MaxWait        time.Duration // the longest of those waits
	Waiting        int           // requests pending and members held back now
	Leaked         int           // members found unreachable without Leave
}

// counters are the Isolator's statistics, kept under mu on the slow path:
// the harmless fast path counts nothing.
type counters struct {
	isolations, full, abandoned, waited uint64
	totalWait, maxWait                  time.Duration
}

// Stats returns a snapshot of the Isolator's activity. It takes the
// Isolator's lock and visits every slot: call it for monitoring, not in a
// hot loop.
func (iso *Isolator) Stats() Stats {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	st := Stats{
		Isolations:     iso.counts.isolations,
		FullIsolations: iso.counts.full,
		Abandoned:      iso.counts.abandoned,
		Waited:         iso.counts.waited,
		TotalWait:      iso.counts.totalWait,
		MaxWait:        iso.counts.maxWait,
		Waiting:        len(iso.held) + iso.plainQ.len() + iso.fullQ.len(),
	}
	iso.eachActive(func(s *slot) {
		st.Members++
		if s.leaked.Load() {
			st.Leaked++
		}
	})
	return st
}

// countGrant records the grant of req, and how long it waited (under mu).
func (c *counters) countGrant(req *request) {
	if req.full {
		c.full++
	} else {
		c.isolations++
	}
	if req.since.IsZero() {
		return // granted at once: no clock read on that path
	}
	d := time.Since(req.since)
	req.since = time.Time{}
	c.waited++
	c.totalWait += d
	c.maxWait = max(c.maxWait, d)
}

// eachActive calls f for every joined member's slot (under mu).
func (iso *Isolator) eachActive(f func(*slot)) {
	t := iso.table.Load()
	if t == nil {
		return
	}
	for _, g := range t.groups {
		for a := g.active.Load(); a != 0; a &= a - 1 {
			f(&g.slots[bits.TrailingZeros64(a)])
		}
	}
}

// Blockers returns the names of the members that keep a requested isolation
// waiting: those running, or harmless but not idle when a full isolation is
// requested, and the member that holds the isolation if one does. It is
// empty when no request waits. Members found unreachable without Leave are
// marked "(leaked)".
func (iso *Isolator) Blockers() []string {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	return iso.blockersLocked()
}

func (iso *Isolator) blockersLocked() []string {
	var names []string
	if iso.plainQ.head == nil && iso.fullQ.head == nil {
		return names
	}
	if o := iso.owner; o != nil && o.member != nil {
		names = append(names, o.member.slot.describe())
	}
	if iso.owner != nil {
		return names
	}
	iso.eachActive(func(s *slot) {
		st := s.state.Load()
		if blocks(iso.plainQ.head, s, st, stateHarmless) || blocks(iso.fullQ.head, s, st, stateIdle) {
			names = append(names, s.describe())
		}
	})
	return names
}

// blocks reports whether the member on s, in state st, keeps the pending
// request req (nil: none), which needs the state bits need, waiting.
func blocks(req *request, s *slot, st, need uint32) bool {
	return req != nil && (req.member == nil || req.member.slot != s) && st&need != need
}

// name returns the member's name: the one given to JoinNamed, or one made
// from its slot's position.
func (s *slot) name() string {
	if p := s.label.Load(); p != nil {
		return *p
	}
	return fmt.Sprintf("member-%d", s.index)
}

// describe is name, marked when the member was found leaked.
func (s *slot) describe() string {
	if s.leaked.Load() {
		return s.name() + " (leaked: unreachable without Leave)"
	}
	return s.name()
}
