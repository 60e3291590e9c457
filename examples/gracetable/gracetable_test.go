package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind (the
// Isolator's goroutine for deferred funcs included).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// stressConfig is a small table (8 KiB) written every third job, with a
// yield in the middle of each job: versions are retired and recycled all
// the time, while jobs hold them.
var stressConfig = config{keys: 96, slots: 128, lookups: 8, jobsPerWrite: 3, yield: true}

// TestReadersSeeWholeVersions runs each variant with 4 goroutines that
// read and write at once, and checks what every job read (see worker): no
// torn record, no record newer than its version, no version changed or
// recycled under a job, no version going back. Then it checks the table
// itself and where each write's buffer came from. The checks are the same
// for every variant; under -race the detector also watches the buffers.
func TestReadersSeeWholeVersions(t *testing.T) {
	const goroutines, jobs = 4, 2000
	for _, name := range variants {
		t.Run(name, func(t *testing.T) {
			s, err := newStore(name, buildTable(stressConfig.keys, stressConfig.slots))
			if err != nil {
				t.Fatal(err)
			}
			all := tallyOf(runWorkers(s, stressConfig, goroutines, func(_ int, w *worker) {
				for range jobs {
					w.step()
				}
			}))
			s.settle()
			if err := all.err(); err != nil {
				t.Fatal(err)
			}
			writes := uint64(goroutines * (jobs / stressConfig.jobsPerWrite))
			if all.jobs != goroutines*jobs || all.writes != writes {
				t.Fatalf("%d jobs and %d writes, want %d and %d", all.jobs, all.writes, goroutines*jobs, writes)
			}
			checkTable(t, s, writes)
			checkBuffers(t, s, writes)
		})
	}
}

// checkTable checks the final version: made by the last of writes, every
// key present, every record valid and no newer than the version.
func checkTable(t *testing.T, s store, writes uint64) {
	t.Helper()
	h := s.join()
	defer h.leave()
	v := h.begin()
	defer h.end()
	if v.stamp != writes {
		t.Errorf("final version %d, want %d", v.stamp, writes)
	}
	for i := range stressConfig.keys {
		r, ok := v.get(keyOf(i))
		if !ok || r.key != keyOf(i) || r.sum != r.checksum() || r.stamp > v.stamp {
			t.Errorf("key %d: %+v, %v", i, r, ok)
		}
	}
}

// checkBuffers checks each variant's use of buffers: rwmutex allocates
// none, cow-gc one per write, rcu-sync one in all (then two buffers take
// turns), and rcu-defer reuses what its pool holds: every buffer it made
// is, once the deferred funcs have run, either current, in the pool, or
// dropped because the pool was full.
func checkBuffers(t *testing.T, s store, writes uint64) {
	t.Helper()
	c := s.counts()
	switch s.name() {
	case nameRWMutex:
		if c != (bufferCounts{}) {
			t.Errorf("rwmutex: %+v, want nothing", c)
		}
	case nameCOW:
		if c != (bufferCounts{allocated: writes, dropped: writes}) {
			t.Errorf("cow-gc: %+v, want %d allocated and dropped", c, writes)
		}
	case nameRCUSync:
		if c != (bufferCounts{allocated: 1, recycled: writes - 1}) {
			t.Errorf("rcu-sync: %+v, want 1 allocated and %d recycled", c, writes-1)
		}
	case nameRCUDefer:
		pooled := uint64(s.(*rcuStore).pool.len())
		if c.allocated+c.recycled != writes || 1+c.allocated != 1+pooled+c.dropped || pooled > poolSize {
			t.Errorf("rcu-defer: %+v and %d pooled after %d writes: want allocated + recycled = writes, "+
				"and the first buffer and those allocated current, pooled or dropped", c, pooled, writes)
		}
	}
	if lag := s.graceTimes(); (lag != nil) != strings.HasPrefix(s.name(), "rcu") || lag != nil && lag.n != writes {
		t.Errorf("%s: %v grace periods timed, want one per write (%d) for rcu only", s.name(), lag, writes)
	}
}

// fixedHandle serves one version and writes nothing: for checking the
// checks.
type fixedHandle struct{ v *version }

func (h fixedHandle) begin() *version { return h.v }
func (h fixedHandle) end()            {}
func (h fixedHandle) write(uint64)    {}
func (h fixedHandle) leave()          {}

// TestChecksCatch shows that a worker's checks see what a reader of a
// recycled or torn version would see.
func TestChecksCatch(t *testing.T) {
	cfg := config{keys: 3, slots: 4, lookups: 8, jobsPerWrite: 1}
	for _, c := range []struct {
		name  string
		spoil func(v *version)
		want  string
	}{
		{"torn record", func(v *version) {
			for i := range v.recs {
				v.recs[i].val[2]++
			}
		}, "torn record"},
		{"newer record", func(v *version) {
			for i := range cfg.keys {
				v.set(keyOf(i), 7)
			}
			v.stamp = 6
		}, "recycled under the reader"},
		{"version goes back", func(v *version) { v.stamp = 0 }, "after version 5"},
	} {
		v := buildTable(cfg.keys, cfg.slots)
		v.stamp = 5
		w := newWorker(cfg, fixedHandle{v}, 1)
		w.job()
		if w.bad != 0 {
			t.Fatalf("%s: a sound version failed: %s", c.name, w.first)
		}
		c.spoil(v)
		w.job()
		if w.bad == 0 || !strings.Contains(w.first, c.want) {
			t.Errorf("%s: %d failures, the first %q; want %q", c.name, w.bad, w.first, c.want)
		}
	}
	// A version recycled during a job: its stamp moves.
	v := buildTable(cfg.keys, cfg.slots)
	w := newWorker(cfg, fixedHandle{v}, 1)
	v.next(buildTable(cfg.keys, cfg.slots), keyOf(0))
	w.checkEnd(v, 0)
	if w.bad != 1 || !strings.Contains(w.first, "became 1 during a job") {
		t.Errorf("checkEnd after a recycling: %d failures, %q", w.bad, w.first)
	}
}

// TestRun runs the program's measurement briefly with each variant.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	cfg := config{keys: 96, slots: 128, lookups: 4, jobsPerWrite: 10}
	if err := run(&out, cfg, variants, 2, 20*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for _, name := range variants {
		if !strings.Contains(out.String(), " "+name+"  ") {
			t.Errorf("no line for %s in\n%s", name, out.String())
		}
	}
	for _, bad := range []struct {
		cfg   config
		names []string
	}{
		{config{keys: 128, slots: 128, lookups: 1, jobsPerWrite: 1}, variants},
		{config{keys: 10, slots: 100, lookups: 1, jobsPerWrite: 1}, variants},
		{config{keys: 10, slots: 16, lookups: 0, jobsPerWrite: 1}, variants},
		{config{keys: 10, slots: 16, lookups: 1, jobsPerWrite: 1}, []string{"spinlock"}},
	} {
		if err := run(&out, bad.cfg, bad.names, 1, time.Millisecond); err == nil {
			t.Errorf("run(%+v, %v) succeeded", bad.cfg, bad.names)
		}
	}
}

// TestHistogram checks the buckets' bounds and the quantiles.
func TestHistogram(t *testing.T) {
	for ns := uint64(0); ns < 1<<20; ns = ns*9/8 + 1 {
		b := bucketOf(ns)
		if lowerBound(b) > ns || lowerBound(b+1) <= ns {
			t.Fatalf("%d ns in bucket %d of [%d, %d)", ns, b, lowerBound(b), lowerBound(b+1))
		}
	}
	if b := bucketOf(1<<64 - 1); b >= len(histogram{}.counts) {
		t.Fatalf("the largest duration falls in bucket %d", b)
	}
	var h histogram
	for i := 1; i <= 1000; i++ {
		h.record(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0, time.Microsecond}, {0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, time.Millisecond}} {
		if got := h.quantile(c.q); got > c.want || got < c.want*7/8 {
			t.Errorf("quantile %v: %v, want %v less at most 1/8", c.q, got, c.want)
		}
	}
}
