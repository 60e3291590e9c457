package main

import (
	"fmt"
	"runtime"
	"sync"
)

// A config is the shape of the workload, the same for every variant.
type config struct {
	keys    int // keys in the table
	slots   int // slots: a power of two above keys; 64 bytes each
	lookups int // lookups per job: what a reader does with one version
	// jobsPerWrite is how often a goroutine writes: once after every
	// jobsPerWrite of its jobs, so reads per write = lookups*jobsPerWrite
	// over all goroutines together, whatever their number.
	jobsPerWrite int
	// yield makes each job call runtime.Gosched halfway through its
	// lookups, so that writes interleave with jobs more often (tests).
	yield bool
}

// defaultConfig is the use case: a 4 MiB table (65,536 slots of 64
// bytes, 49,152 keys: 75% full), jobs of 8 lookups, and one write per
// 1,000 reads (lookups): a read-mostly table that still changes often.
var defaultConfig = config{keys: 49152, slots: 65536, lookups: 8, jobsPerWrite: 125}

func (c config) readsPerWrite() int { return c.lookups * c.jobsPerWrite }

func (c config) check() error {
	if c.keys < 1 || c.keys >= c.slots || c.slots&(c.slots-1) != 0 {
		return fmt.Errorf("%d keys in %d slots: want fewer keys than slots, and a power of two of slots", c.keys, c.slots)
	}
	if c.lookups < 1 || c.jobsPerWrite < 1 {
		return fmt.Errorf("%d lookups per job, a write every %d jobs: want at least 1 of each", c.lookups, c.jobsPerWrite)
	}
	return nil
}

// A worker is one goroutine of the workload: it runs jobs, each a few
// lookups in one version of the table, and writes now and then between
// jobs. It checks everything it reads, in every variant alike:
//
//   - each record it finds has its key and a valid checksum (not torn);
//   - no record is newer than the version it was read from, and the
//     version's stamp is the same at the end of the job as at its start
//     (the version was not recycled, nor changed in place, under the job);
//   - the versions it sees never go back.
type worker struct {
	cfg   config
	h     handle
	rng   uint64
	jobs  uint64 // jobs done
	wrote uint64 // writes done
	last  uint64 // stamp of the newest version seen
	sink  uint64 // what the jobs computed from the values (kept live)
	bad   uint64 // failed checks
	first string // the first failed check
}

func newWorker(cfg config, h handle, seed uint64) *worker {
	return &worker{cfg: cfg, h: h, rng: mix64(seed + 1)}
}

// next returns a pseudo-random number (xorshift64*).
func (w *worker) next() uint64 {
	w.rng ^= w.rng >> 12
	w.rng ^= w.rng << 25
	w.rng ^= w.rng >> 27
	return w.rng * 0x2545f4914f6cdd1d
}

// randomKey returns one of the table's keys, at random.
func (w *worker) randomKey() uint64 {
	return keyOf(int(w.next() % uint64(w.cfg.keys)))
}

// step runs one job, then writes if this goroutine's turn has come.
func (w *worker) step() {
	w.job()
	if w.jobs%uint64(w.cfg.jobsPerWrite) == 0 {
		w.write()
	}
}

// job reads the table: one version, several lookups, their checks.
func (w *worker) job() {
	v := w.h.begin()
	stamp := v.stamp
	if stamp < w.last {
		w.fail("version %d after version %d", stamp, w.last)
	}
	w.last = stamp
	var acc uint64
	for i := range w.cfg.lookups {
		if w.cfg.yield && i == w.cfg.lookups/2 {
			runtime.Gosched()
		}
		key := w.randomKey()
		r, ok := v.get(key)
		switch {
		case !ok:
			w.fail("key %#x missing from version %d", key, stamp)
		case r.key != key || r.sum != r.checksum():
			w.fail("torn record for key %#x in version %d: %+v", key, stamp, r)
		case r.stamp > stamp:
			w.fail("record of version %d in version %d: recycled under the reader", r.stamp, stamp)
		}
		acc += r.val[0]
	}
	w.checkEnd(v, stamp)
	w.h.end()
	w.sink += acc
	w.jobs++
}

// checkEnd checks, at the end of a job that began with v at stamp, that
// v has not changed meanwhile.
func (w *worker) checkEnd(v *version, stamp uint64) {
	if v.stamp != stamp {
		w.fail("version %d became %d during a job: recycled under the reader", stamp, v.stamp)
	}
}

// write gives a random key a new value.
func (w *worker) write() {
	w.h.write(w.randomKey())
	w.wrote++
}

func (w *worker) fail(format string, args ...any) {
	if w.bad == 0 {
		w.first = fmt.Sprintf(format, args...)
	}
	w.bad++
}

// A tally sums the workers of one run.
type tally struct {
	jobs, writes, bad uint64
	first             string
}

func (t *tally) add(w *worker) {
	t.jobs += w.jobs
	t.writes += w.wrote
	if w.bad > 0 && t.bad == 0 {
		t.first = w.first
	}
	t.bad += w.bad
}

func (t *tally) err() error {
	if t.bad == 0 {
		return nil
	}
	return fmt.Errorf("%d failed checks in %d jobs; the first: %s", t.bad, t.jobs, t.first)
}

// warmUp makes n writes from the calling goroutine, letting the store
// settle after each, so that a measurement starts with the recycling pool
// as a steady state leaves it rather than empty (otherwise the first
// writes of rcu-defer allocate the buffers that later writes reuse).
func warmUp(s store, n int) {
	h := s.join()
	defer h.leave()
	for i := range n {
		h.write(keyOf(i))
		s.settle() // the handle is idle between jobs: it may wait
	}
}

// runWorkers runs n workers of s with cfg, each on a goroutine of its own,
// joined for the whole run, and calls body with each (and its number); it
// returns the workers once every body has returned.
func runWorkers(s store, cfg config, n int, body func(i int, w *worker)) []*worker {
	workers := make([]*worker, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			h := s.join()
			defer h.leave()
			w := newWorker(cfg, h, uint64(i))
			workers[i] = w
			body(i, w)
		}()
	}
	wg.Wait()
	return workers
}

// tallyOf adds up what workers did.
func tallyOf(workers []*worker) (t tally) {
	for _, w := range workers {
		t.add(w)
	}
	return t
}
