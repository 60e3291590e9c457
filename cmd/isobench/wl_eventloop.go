package main

// The eventloop workload is the seed's use case: HAProxy runs one thread
// per processor, each polling its own file descriptors (harmless), then
// processing the events that came in, which touch shared state. Here each
// member owns its event source, with no shared channel or producer on its
// path; with -wait poll (a saturated server) the batch is there at once,
// with -wait block the member parks until its own feeder goroutine hands
// it over. The admin runs in member 0's loop, as HAProxy's CLI runs as a
// task of one thread.

func startEventLoop(r *run) running { return startLoops(r, 0) }

// startUpgrade starts the upgrade workload: the event loop, in which every
// member ends one batch in -upgrade-every with a change to the table.
func startUpgrade(r *run) running { return startLoops(r, r.p.upgradeEvery) }

// startLoops starts the event loop's members; upgradeEvery is passed to
// their loops.
func startLoops(r *run, upgradeEvery int) running {
	p := r.p
	check, publish := 1, 1
	if p.polls() {
		// Batches come fast: look at the clock and publish counts
		// less often than once a batch.
		check, publish = clockEvery, 16
	}
	r.duty = newDuty(p.adminEvery, check, &r.torn)
	quit := make(chan struct{})
	cs := make(counters, p.members)
	wait := r.spawn(p.members, func(i int, m member) {
		s := &source{stop: &r.stop, gen: events{seed: uint32(i) + 1, n: p.batch}}
		if !p.polls() {
			ch := make(chan batch)
			go feed(ch, p.batch, uint32(i)+1, quit)
			s = &source{ch: ch}
		}
		o := loopOptions{reads: p.reads, publishEvery: publish, upgradeEvery: upgradeEvery}
		if i == 0 {
			o.duty = r.duty
		}
		loop(m, s, o, &cs[i], &r.torn)
	})
	return running{jobs: cs.total, stop: func() {
		r.stop.Store(true)
		close(quit)
		wait()
	}}
}
