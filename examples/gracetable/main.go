// Command gracetable compares four ways to share a read-mostly table
// between goroutines that read it all the time and write it now and then:
//
//	rcu-defer  copy-on-write behind an atomic.Pointer; the retired version's
//	           buffer goes back to a pool after a grace period
//	           (isolate.Isolator.Defer): steady state allocates nothing
//	rcu-sync   the same, but the writer waits for the grace period
//	           (Isolator.Synchronize) and reuses the buffer itself
//	cow-gc     copy-on-write into a new allocation per write; the old
//	           versions are left to the garbage collector
//	rwmutex    one table under a sync.RWMutex, updated in place
//
// All four run the same table (an open-addressing hash map of 64-byte
// records in one buffer) and the same workload: goroutines that each run
// jobs of a few lookups in one version of the table, checking everything
// they read, and write once every so many jobs. It prints, per variant,
// reads and writes per second, bytes allocated per write, GC cycles and
// the GC's share of the CPU, and percentiles of the jobs' and writes'
// durations.
//
// Usage:
//
//	gracetable [-d 2s] [-keys 49152] [-slots 65536] [-lookups 8]
//	           [-reads-per-write 1000] [-goroutines GOMAXPROCS]
//	           [-variants rcu-defer,rcu-sync,cow-gc,rwmutex]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"text/tabwriter"
	"time"
)

func main() {
	cfg := defaultConfig
	d := flag.Duration("d", 2*time.Second, "how long each variant runs")
	flag.IntVar(&cfg.keys, "keys", cfg.keys, "keys in the table")
	flag.IntVar(&cfg.slots, "slots", cfg.slots, "slots in the table, a power of two above keys (64 bytes each)")
	flag.IntVar(&cfg.lookups, "lookups", cfg.lookups, "lookups per job")
	rpw := flag.Int("reads-per-write", cfg.readsPerWrite(), "lookups per write, over all goroutines (a multiple of -lookups)")
	goroutines := flag.Int("goroutines", runtime.GOMAXPROCS(0), "goroutines that read and write")
	only := flag.String("variants", strings.Join(variants, ","), "the variants to run, comma-separated")
	flag.Parse()
	if cfg.lookups > 0 {
		cfg.jobsPerWrite = *rpw / cfg.lookups
	}
	if err := run(os.Stdout, cfg, strings.Split(*only, ","), *goroutines, *d); err != nil {
		fmt.Fprintln(os.Stderr, "gracetable:", err)
		os.Exit(1)
	}
}

// A result is one variant's run.
type result struct {
	variant string
	tally
	usage
	bufs                 bufferCounts
	jobTimes, writeTimes histogram  // durations of sampled jobs, of every write
	graceTimes           *histogram // rcu: retirement to reuse; nil for the others
}

// run measures each variant in turn and prints a table of the results.
func run(out io.Writer, cfg config, names []string, goroutines int, d time.Duration) error {
	if err := cfg.check(); err != nil {
		return err
	}
	if goroutines < 1 || d <= 0 {
		return fmt.Errorf("%d goroutines for %v: want at least one, for some time", goroutines, d)
	}
	fmt.Fprintf(out, "%s table (%d keys in %d slots of %d B), %d lookups per job, 1 write per %d reads;\n",
		mib(cfg.slots*recordSize), cfg.keys, cfg.slots, recordSize, cfg.lookups, cfg.readsPerWrite())
	fmt.Fprintf(out, "%d goroutines, GOMAXPROCS %d, %v per variant\n\n", goroutines, runtime.GOMAXPROCS(0), d)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "variant\treads/s\twrites/s\tB/write\tnew bufs\tGCs\tGC CPU\tjob p50\tp99\tp99.9\twrite p50\tp99\tgrace p50\tp99\t")
	for _, name := range names {
		r, err := measure(name, cfg, goroutines, d)
		if err != nil {
			return err
		}
		s := r.elapsed.Seconds()
		fmt.Fprintf(tw, "%s\t%.3gM\t%.0f\t%s\t%d\t%d\t%.1f%%\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name,
			float64(r.jobs)*float64(cfg.lookups)/s/1e6, float64(r.writes)/s,
			perWrite(r.allocBytes, r.writes), r.bufs.allocated, r.gcs, 100*r.gcFraction,
			quantile(&r.jobTimes, 0.5), quantile(&r.jobTimes, 0.99), quantile(&r.jobTimes, 0.999),
			quantile(&r.writeTimes, 0.5), quantile(&r.writeTimes, 0.99),
			quantile(r.graceTimes, 0.5), quantile(r.graceTimes, 0.99))
	}
	tw.Flush()
	fmt.Fprintln(out, "\nB/write: bytes allocated per write (all allocations, during the run);",
		"new bufs: table buffers allocated by writes (after a warm-up of 3 writes);",
		"GC CPU: share of GOMAXPROCS x time; job, write: durations (jobs sampled 1 in 16);",
		"grace: from a version's retirement to its buffer's reuse (rcu-defer: the deferred put)")
	return nil
}

// measure runs the workload over the named variant for d.
func measure(name string, cfg config, goroutines int, d time.Duration) (*result, error) {
	s, err := newStore(name, buildTable(cfg.keys, cfg.slots))
	if err != nil {
		return nil, err
	}
	warmUp(s, 3)
	r := &result{variant: name}
	hists := make([]*[2]histogram, goroutines)
	for i := range hists {
		hists[i] = new([2]histogram)
	}
	var stop atomic.Bool
	runtime.GC() // each variant starts from a collected heap
	before := takeSnapshot()
	time.AfterFunc(d, func() { stop.Store(true) })
	workers := runWorkers(s, cfg, goroutines, func(i int, w *worker) {
		loop(w, &hists[i][0], &hists[i][1], &stop)
	})
	r.usage = takeSnapshot().since(before)
	s.settle()
	r.bufs = s.counts()
	r.graceTimes = s.graceTimes()
	for i, w := range workers {
		r.tally.add(w)
		r.jobTimes.merge(&hists[i][0])
		r.writeTimes.merge(&hists[i][1])
	}
	return r, r.tally.err()
}

// loop runs w until stop, recording the duration of one job in 16 in
// reads and of every write in writes.
func loop(w *worker, reads, writes *histogram, stop *atomic.Bool) {
	for !stop.Load() {
		if w.jobs%16 == 0 {
			t0 := time.Now()
			w.job()
			reads.record(time.Since(t0))
		} else {
			w.job()
		}
		if w.jobs%uint64(w.cfg.jobsPerWrite) == 0 {
			t0 := time.Now()
			w.write()
			writes.record(time.Since(t0))
		}
	}
}

func quantile(h *histogram, q float64) string {
	if h == nil || h.n == 0 {
		return "-"
	}
	return round(h.quantile(q)).String()
}

// round keeps two significant digits of d (the histogram's buckets are
// 1/8 of their value wide).
func round(d time.Duration) time.Duration {
	for p := time.Duration(1); ; p *= 10 {
		if d < 100*p {
			return d.Round(p)
		}
	}
}

func perWrite(bytes, writes uint64) string {
	if writes == 0 {
		return "-"
	}
	b := float64(bytes) / float64(writes)
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.2f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f", b)
}

func mib(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%g MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%g KiB", float64(n)/(1<<10))
}
