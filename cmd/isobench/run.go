package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate/internal/cputime"
)

// params are the parameters of one run: one workload under one
// implementation at one GOMAXPROCS.
type params struct {
	workload string
	impl     string
	procs    int // GOMAXPROCS
	members  int
	reads    int // per event
	batch    int // events per batch
	wait     string
	// sleep is how long an oversubscribed member sleeps between batches.
	sleep      time.Duration
	adminEvery time.Duration
	// upgradeEvery is how many batches an upgrading member handles
	// between two upgrades.
	upgradeEvery int
	duration     time.Duration // warm-up included
}

// warmup returns the part of the run that is not measured.
func (p params) warmup() time.Duration { return p.duration / 6 }

// polls reports whether members find their batches without blocking.
func (p params) polls() bool { return p.wait == waitPoll }

// The values of -wait.
const (
	waitPoll  = "poll"
	waitBlock = "block"
)

// measurement is what one run measured.
type measurement struct {
	params
	elapsed time.Duration
	jobs    uint64
	// perRound is the jobs/s of each round, in order.
	perRound []float64
	// samples are the latencies of the admin operations that started
	// during the measurement.
	samples []time.Duration
	// cpu is the process's CPU time during the measurement; cpuOK is
	// false where the system cannot tell.
	cpu   time.Duration
	cpuOK bool
	// torn counts batches and dumps that saw a table changing under
	// them: a broken implementation. It must be zero.
	torn uint64
	// rounds are the figures of each round, in order, for the goals.
	rounds []roundStats
}

// run is the state of one run that its workload's goroutines share.
type run struct {
	p    params
	g    guard
	torn atomic.Uint64
	// stop is set when the run ends, for sources that do not block.
	stop atomic.Bool
	// duty is the admin's work, when a member's loop does it.
	duty *duty
}

// running is a started workload.
type running struct {
	// jobs returns the jobs done so far.
	jobs func() uint64
	// stop ends the workload and waits until its goroutines are done.
	stop func()
	// admin, if not nil, returns the operations of the workload's own
	// admin, once stopped: for workloads whose admin does more than the
	// guard's admin operation.
	admin func() []timed
}

// measure runs p's workload under p's implementation. tick, if not nil, is
// called about every 100 ms with the time the run has taken so far.
func measure(p params, tick func(time.Duration)) measurement {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(p.procs))
	runtime.GC() // do not measure the garbage of the previous run
	w := workloadNamed(p.workload)
	r := &run{p: p, g: implementationNamed(p.impl).new(newTable(), p.members)}
	h := w.start(r)
	var out *outsider
	if w.outsider {
		out = startOutsider(r.g, p.adminEvery, &r.torn)
	}

	start := time.Now()
	sleepUntil(start, p.warmup(), tick)
	jobs0, from := h.jobs(), time.Now()
	cpu0, ok0 := cputime.Process()
	sleepUntil(start, p.duration, tick)
	jobs1, to := h.jobs(), time.Now()
	cpu1, ok1 := cputime.Process()

	var ops []timed
	if out != nil {
		ops = out.stop() // first: the sync point waits for every member
	}
	h.stop()
	if r.duty != nil {
		ops = r.duty.ops
	}
	if h.admin != nil {
		ops = h.admin()
	}
	m := measurement{
		params:   p,
		elapsed:  to.Sub(from),
		jobs:     jobs1 - jobs0,
		perRound: []float64{float64(jobs1-jobs0) / to.Sub(from).Seconds()},
		samples:  within(ops, from, to),
		cpu:      cpu1 - cpu0,
		cpuOK:    ok0 && ok1,
		torn:     r.torn.Load(),
	}
	m.rounds = []roundStats{m.stats()}
	return m
}

// sleepUntil sleeps until start+d, calling tick about every 100 ms.
func sleepUntil(start time.Time, d time.Duration, tick func(time.Duration)) {
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

// spawn starts n member goroutines, each of which joins, runs body and
// leaves, and returns once all have joined. The func it returns waits
// until all have left.
func (r *run) spawn(n int, body func(i int, m member)) (wait func()) {
	var joined, left sync.WaitGroup
	joined.Add(n)
	left.Add(n)
	for i := range n {
		go func() {
			defer left.Done()
			m := r.g.join()
			joined.Done()
			body(i, m)
			m.leave()
		}()
	}
	joined.Wait()
	return left.Wait
}
