package main

// The queue workload, isobench's first: one producer feeds every member
// through one shared channel. The channel, not the synchronisation, bounds
// the throughput; it is kept to compare with earlier results.

// queueBuffer is the capacity of the shared channel.
const queueBuffer = 256

func startQueue(r *run) running {
	jobs := make(chan batch, queueBuffer)
	quit := make(chan struct{})
	go feed(jobs, r.p.batch, 1, quit)
	cs := make(counters, r.p.members)
	wait := r.spawn(r.p.members, func(i int, m member) {
		loop(m, &source{ch: jobs}, loopOptions{reads: r.p.reads, publishEvery: 1}, &cs[i], &r.torn)
	})
	return running{jobs: cs.total, stop: func() {
		close(quit) // the producer closes jobs; members drain it and leave
		wait()
	}}
}
