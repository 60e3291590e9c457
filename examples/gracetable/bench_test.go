package main

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
)

// BenchmarkTable runs the workload over each variant, in one process so
// that benchstat's ratios compare like with like. One op is one job (8
// lookups in one version of the table); every goroutine writes after
// each of its jobsPerWrite'th jobs, so the write's cost is spread over the
// ops. GOMAXPROCS goroutines read and write: every P runs the workload, as
// in a saturated server.
//
// The cases:
//
//	size=4MiB   65,536 slots of 64 bytes, 49,152 keys: the case where a
//	            copy per write, and a new 4 MiB allocation, cost the most
//	size=64KiB  1,024 slots, 768 keys: a small table, cheap to copy and
//	            to collect
//	rpw=1000    one write per 1,000 reads (lookups): read-mostly, but
//	            writes are frequent for a table copied whole
//	rpw=100000  one write per 100,000 reads: rarely written
//
// Besides time and allocations per op it reports writes/s, bytes
// allocated per write (B/write), table buffers allocated per write
// (bufs/write: 1 when nothing is recycled), GC cycles per write and the
// GC's share of the CPU (gc-cpu-%, as MemStats.GCCPUFraction: idle-time
// marking left out).
func BenchmarkTable(b *testing.B) {
	sizes := []struct {
		name        string
		keys, slots int
	}{{"4MiB", 49152, 65536}, {"64KiB", 768, 1024}}
	for _, size := range sizes {
		for _, rpw := range []int{1000, 100000} {
			cfg := config{keys: size.keys, slots: size.slots, lookups: 8, jobsPerWrite: rpw / 8}
			for _, name := range variants {
				b.Run(fmt.Sprintf("size=%s/rpw=%d/v=%s", size.name, rpw, name), func(b *testing.B) {
					benchTable(b, cfg, name, runtime.GOMAXPROCS(0))
				})
			}
		}
	}
}

// benchTable runs b.N jobs over the named variant on goroutines
// goroutines, which take the jobs in batches.
func benchTable(b *testing.B, cfg config, name string, goroutines int) {
	s, err := newStore(name, buildTable(cfg.keys, cfg.slots))
	if err != nil {
		b.Fatal(err)
	}
	warmUp(s, 3)
	const batch = 64
	var next atomic.Int64
	b.ReportAllocs()
	runtime.GC()
	bufs := s.counts().allocated
	before := takeSnapshot()
	b.ResetTimer()
	workers := runWorkers(s, cfg, goroutines, func(_ int, w *worker) {
		for {
			n := next.Add(batch) - batch
			if n >= int64(b.N) {
				return
			}
			for range min(batch, int64(b.N)-n) {
				w.step()
			}
		}
	})
	b.StopTimer()
	u := takeSnapshot().since(before)
	s.settle()
	all := tallyOf(workers)
	if err := all.err(); err != nil {
		b.Fatal(err)
	}
	if all.writes > 0 {
		w := float64(all.writes)
		b.ReportMetric(w/u.elapsed.Seconds(), "writes/s")
		b.ReportMetric(float64(u.allocBytes)/w, "B/write")
		b.ReportMetric(float64(s.counts().allocated-bufs)/w, "bufs/write")
		b.ReportMetric(float64(u.gcs)/w, "gcs/write")
	}
	b.ReportMetric(100*u.gcFraction, "gc-cpu-%")
}
