package main

// The writeheavy workload: a server whose every request changes the shared
// table, as a key-value store's SETs or a session table's shared counters
// do. Members poll (a saturated server: the next request is there at
// once); each event reads -reads records, as a request looks up what it
// needs, then writes one record in an exclusive section of its own: a
// short write. isolate isolates the member for each write (m.Isolate()),
// isolate-do runs it as a combined section (m.Do), RWMutex takes Lock
// after its RLock, Mutex locks for both. With batches of one event, the
// jobs are the writes. The admin changes or dumps the whole table from a
// goroutine of its own, as in the other workloads.

func startWriteHeavy(r *run) running {
	p := r.p
	cs := make(counters, p.members)
	wait := r.spawn(p.members, func(i int, m member) {
		s := &source{stop: &r.stop, gen: events{seed: uint32(i) + 1, n: p.batch}}
		loop(m, s, loopOptions{reads: p.reads, publishEvery: 16, write: true}, &cs[i], &r.torn)
	})
	return running{jobs: cs.total, stop: func() {
		r.stop.Store(true)
		wait()
	}}
}
