package isolate

import (
	"math/bits"
	"time"
)

// Statistics: Stats, and the counters that the slow paths keep for it.

// Stats is a snapshot of an Isolator's activity, from [Isolator.Stats]. Each
// field counts one thing.
type Stats struct {
	Members        int           // members joined now
	Isolations     uint64        // isolations granted so far, plain and full
	FullIsolations uint64        // of those, the full isolations
	Abandoned      uint64        // requests given up because their context ended
	Waited         uint64        // requests that had to wait for their grant
	TotalWait      time.Duration // time those requests waited, in all
	MaxWait        time.Duration // the longest of those waits
	Requests       int           // isolation requests waiting now
	Held           int           // members held back now by an isolation, in progress or requested: ending a scope, or joining
	Stalls         uint64        // waits reported as stalled so far, each counted once however often it is reported (see [StallReport])
	Leaked         int           // members found unreachable without Leave
	// Grace periods (see [Isolator.Synchronize] and [Isolator.Defer]).
	GracePeriods    uint64 // grace periods completed (one per batch of deferred funcs)
	Synchronizing   int    // grace periods waiting now
	Deferred        uint64 // funcs passed to Defer so far
	DeferredPending int    // of those, the funcs that have not run yet
}

// counters are the Isolator's statistics, kept under mu on the slow path:
// the harmless fast path counts nothing.
type counters struct {
	plain, full, abandoned, waited uint64
	totalWait, maxWait             time.Duration
}

// Stats returns a snapshot of the Isolator's activity. It takes the
// Isolator's lock and visits every slot: call it for monitoring, not in a
// hot loop.
func (iso *Isolator) Stats() Stats {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	st := Stats{
		Isolations:     iso.counts.plain + iso.counts.full,
		FullIsolations: iso.counts.full,
		Abandoned:      iso.counts.abandoned,
		Waited:         iso.counts.waited,
		TotalWait:      iso.counts.totalWait,
		MaxWait:        iso.counts.maxWait,
		Requests:       iso.plainQ.len() + iso.fullQ.len(),
		Held:           len(iso.held),
		Stalls:         iso.stalls.reported.Load(),
	}
	g := &iso.grace
	ran := g.ran.Load() // before deferredAll: a func runs after it is counted there
	g.mu.Lock()
	st.Synchronizing = len(g.waiters)
	st.Deferred = g.deferredAll
	g.mu.Unlock()
	st.GracePeriods = g.periods.Load()
	st.DeferredPending = int(st.Deferred - ran)
	iso.eachMember(func(sl *slot) {
		st.Members++
		if sl.leaked.Load() {
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
		c.plain++
	}
	req.waitCounted = false
	if req.since.IsZero() {
		return // granted at once: no clock read on that path
	}
	d := time.Since(req.since)
	req.since = time.Time{}
	req.waitCounted, req.waited, req.maxBefore = true, d, c.maxWait
	c.waited++
	c.totalWait += d
	c.maxWait = max(c.maxWait, d)
}

// uncountGrant takes back the count of req's grant, which was rolled back,
// and of its wait. No grant came in between: req still holds its grant.
func (c *counters) uncountGrant(req *request) {
	if req.full {
		c.full--
	} else {
		c.plain--
	}
	if req.waitCounted {
		c.waited--
		c.totalWait -= req.waited
		c.maxWait = req.maxBefore
		req.waitCounted = false
	}
}

// eachMember calls f for every joined member's slot (under mu).
func (iso *Isolator) eachMember(f func(*slot)) {
	t := iso.table.Load()
	if t == nil {
		return
	}
	for _, g := range t.groups {
		for o := g.occupied.Load(); o != 0; o &= o - 1 {
			f(&g.slots[bits.TrailingZeros64(o)])
		}
	}
}
