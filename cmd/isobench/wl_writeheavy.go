package main

// The writeheavy workload: a server whose every request changes the shared
// table, as a key-value store's SETs or a session table's shared counters
// do. Members poll by default (a saturated server: the next request is
// there at once; -wait block hands each over from a feeder goroutine of the
// member's own, a park and a wake-up per request); each event reads -reads records, as a request looks up what it
// needs, then writes one record in an exclusive section of its own: a
// short write. isolate isolates the member for each write (m.IsolateScope()),
// isolate-do runs it as a combined section (m.Do), RWMutex takes Lock
// after its RLock, Mutex locks for both. With batches of one event, the
// jobs are the writes. The admin changes or dumps the whole table from a
// goroutine of its own, as in the other workloads.

func startWriteHeavy(r *run) running {
	p := r.p
	cs := make(counters, p.members)
	quit := make(chan struct{})
	wait := r.spawn(p.members, func(i int, m member) {
		s, publish := &source{stop: &r.stop, gen: events{seed: uint32(i) + 1, n: p.batch}}, 16
		if !p.polls() {
			ch := make(chan batch)
			go feed(ch, p.batch, uint32(i)+1, quit)
			s, publish = &source{ch: ch}, 1
		}
		loop(m, s, loopOptions{reads: p.reads, publishEvery: publish, write: true}, &cs[i], &r.torn)
	})
	return running{jobs: cs.total, stop: func() {
		r.stop.Store(true)
		close(quit)
		wait()
	}}
}
