package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate/internal/cputime"
)

// The workload, the seed's use case: an event loop with a shared table.
// Members wait for work (a job on a channel fed by a producer) and then read
// the table; an admin goroutine changes the table, or dumps it, every
// adminEvery. Each run starts with a warm-up, then measures.

// jobBuffer is the capacity of the job channel.
const jobBuffer = 256

// params are the parameters of one run.
type params struct {
	impl       string
	procs      int // GOMAXPROCS
	members    int
	reads      int
	adminEvery time.Duration
	duration   time.Duration // warm-up included
}

// warmup returns the part of the run that is not measured.
func (p params) warmup() time.Duration { return p.duration / 6 }

// measurement is what one run measured.
type measurement struct {
	params
	elapsed time.Duration
	jobs    uint64
	// samples are the latencies of the admin operations that started
	// during the measurement.
	samples []time.Duration
	// cpu is the process's CPU time during the measurement; cpuOK is
	// false where the system cannot tell.
	cpu   time.Duration
	cpuOK bool
	// torn counts jobs and dumps that saw a table changing under them:
	// a broken implementation. It must be zero.
	torn uint64
}

// runWorkload runs the workload under p.impl. tick, if not nil, is called about
// every 100 ms with the time the run has taken so far.
func runWorkload(p params, tick func(time.Duration)) measurement {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(p.procs))
	runtime.GC() // do not measure the garbage of the previous run
	t := newTable()
	g := newGuard(p.impl, t, p.members)
	var torn atomic.Uint64
	jobs := make(chan job, jobBuffer)

	var joined, exited sync.WaitGroup
	joined.Add(p.members)
	exited.Add(p.members)
	for range p.members {
		go func() {
			defer exited.Done()
			m := g.join()
			joined.Done()
			work(m, jobs, p.reads, &torn)
			m.leave()
		}()
	}
	joined.Wait()

	var sent atomic.Uint64
	var stopProducer atomic.Bool
	go produce(jobs, &sent, &stopProducer)
	a := startAdmin(g, p.adminEvery, &torn)

	start := time.Now()
	wait(start, p.warmup(), tick)
	// Jobs done: sent, less those still queued.
	done := func() uint64 { return sent.Load() - uint64(len(jobs)) }
	jobs0, from := done(), time.Now()
	cpu0, ok0 := cputime.Process()
	wait(start, p.duration, tick)
	jobs1, to := done(), time.Now()
	cpu1, ok1 := cputime.Process()

	samples := a.stop(from, to)
	stopProducer.Store(true) // members exit when the producer closes jobs
	exited.Wait()
	return measurement{
		params:  p,
		elapsed: to.Sub(from),
		jobs:    jobs1 - jobs0,
		samples: samples,
		cpu:     cpu1 - cpu0,
		cpuOK:   ok0 && ok1,
		torn:    torn.Load(),
	}
}

// wait sleeps until start+d, calling tick about every 100 ms.
func wait(start time.Time, d time.Duration, tick func(time.Duration)) {
	for {
		left := d - time.Since(start)
		if left <= 0 {
			return
		}
		time.Sleep(min(left, 100*time.Millisecond))
		if tick != nil {
			tick(time.Since(start))
		}
	}
}

// work is a member's loop: wait for a job, do it, until jobs is closed.
func work(m member, jobs <-chan job, reads int, torn *atomic.Uint64) {
	var sink uint64
	for {
		j, ok := m.next(jobs)
		if !ok {
			break
		}
		sum, ok := m.do(j, reads)
		if !ok {
			torn.Add(1)
		}
		sink += sum
	}
	runtime.KeepAlive(sink)
}

// produce feeds jobs until stop is set, then closes jobs. sent counts the
// jobs it sent.
func produce(jobs chan<- job, sent *atomic.Uint64, stop *atomic.Bool) {
	defer close(jobs)
	seed := uint32(1)
	for i := 0; ; i++ {
		if i%64 == 0 && stop.Load() {
			return
		}
		seed = seed*1664525 + 1013904223
		jobs <- job{seed: seed}
		sent.Add(1)
	}
}
