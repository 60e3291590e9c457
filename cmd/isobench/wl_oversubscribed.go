package main

import "time"

// startOversubscribed starts the oversubscribed workload: many members,
// each sleeping -sleep between batches. Isolations should find them asleep
// and cost them nothing; an implementation that wakes every member, or
// spins while it waits, pays for each of them.
func startOversubscribed(r *run) running {
	p := r.p
	cs := make(counters, p.members)
	wait := r.spawn(p.members, func(i int, m member) {
		t := time.NewTimer(time.Hour)
		t.Stop()
		s := &source{timer: t, sleep: p.sleep, stop: &r.stop, gen: events{seed: uint32(i) + 1, n: p.batch},
			// Spread the first wake-ups over one sleep, so that the
			// members do not all wake at once.
			first: p.sleep * time.Duration(i+1) / time.Duration(p.members)}
		loop(m, s, loopOptions{reads: p.reads, publishEvery: 1}, &cs[i], &r.torn)
	})
	return running{jobs: cs.total, stop: func() {
		r.stop.Store(true)
		wait()
	}}
}
