package isolate

// Benchmarks of isolations under load, against sync.RWMutex in the same
// run (impl=isolate, impl=rwmutex):
//
//	go test -run '^$' -bench 'Load' -cpu 2 -count 6 > load.txt
//	benchstat -col /impl load.txt
//
// BenchmarkLoadWriteHeavy: members that each isolate for every write,
// more of them than processors: how much the queued waiters cost (CPU
// spent spinning shows in a CPU profile, -cpuprofile, under arch.pauseN).
//
// BenchmarkLoadSaturated: a service whose member workers are fed by a
// channel that always holds work, the processors saturated by in-process
// clients, and an admin that each tick rewrites a table in an isolation and
// publishes a config followed by a grace period: how long the admin's
// tick takes (admin-us, admin-p99-us; rewrite-p99-us for its isolation alone) and how many jobs the members do
// meanwhile (jobs/s).

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// loadWork burns about n hash rounds of processor time, as a job's own work
// (parsing, formatting) would, and returns a value so that it is not
// optimized away.
func loadWork(seed uint64, n int) uint64 {
	for range n {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
	}
	return seed
}

// loadSink keeps the results of loadWork alive.
var loadSink atomic.Uint64

// loadTable is the table that writers change: a map, as users keep one.
type loadTable map[uint64]uint64

// BenchmarkLoadWriteHeavy runs members, each of which in every operation
// blocks briefly (a harmless scope around work that stands for a read from
// a connection), works on its request while running, and then writes the
// table in an isolation of its own; the peer does the same under a
// sync.RWMutex (the work under RLock, the write under Lock). b.N operations
// are spread over the members.
func BenchmarkLoadWriteHeavy(b *testing.B) {
	for _, n := range []int{8, 16} {
		b.Run(fmt.Sprintf("members=%d/impl=isolate", n), func(b *testing.B) {
			var iso Isolator
			table := loadTable{}
			runMembers(b, n, func(ops *atomic.Int64) {
				m := iso.Join()
				defer m.Leave()
				for k := uint64(ops.Load()); ops.Add(-1) >= 0; k++ {
					sc := m.Harmless()
					loadSink.Add(loadWork(k, 50))
					sc.End()
					v := loadWork(k, 50) + uint64(len(table))
					rel := m.Isolate()
					table[k%1024] = v
					rel()
				}
			})
		})
		b.Run(fmt.Sprintf("members=%d/impl=rwmutex", n), func(b *testing.B) {
			var mu sync.RWMutex
			table := loadTable{}
			runMembers(b, n, func(ops *atomic.Int64) {
				for k := uint64(ops.Load()); ops.Add(-1) >= 0; k++ {
					loadSink.Add(loadWork(k, 50))
					mu.RLock()
					v := loadWork(k, 50) + uint64(len(table))
					mu.RUnlock()
					mu.Lock()
					table[k%1024] = v
					mu.Unlock()
				}
			})
		})
	}
}

// runMembers runs n goroutines of work, which share b.N operations through
// the counter they are given, and waits for them.
func runMembers(b *testing.B, n int, work func(ops *atomic.Int64)) {
	var ops atomic.Int64
	ops.Store(int64(b.N))
	var wg sync.WaitGroup
	b.ResetTimer()
	for range n {
		wg.Go(func() { work(&ops) })
	}
	wg.Wait()
}

// loadConfig is the config that the admin publishes each tick.
type loadConfig struct{ version, factor uint64 }

// saturated is the shape of BenchmarkLoadSaturated: what an implementation
// provides for its workers and its admin.
type saturated struct {
	// worker serves jobs from the channel until it is closed, calling
	// done after each.
	worker func(jobs <-chan uint64, done func())
	// rewrite and publish are the two halves of an admin tick: the
	// table's rewrite in an isolation, and the new config's publication
	// (for isolate, with the grace period that would let the admin
	// recycle the old one).
	rewrite, publish func(k uint64)
}

// BenchmarkLoadSaturated: 4 member workers fed by a buffered channel that
// in-process clients keep full (8 clients, each working a little on every
// job it queues, so that with the workers they saturate the processors),
// and an admin that every 500 µs (b.N ticks) rewrites a table in an
// isolation, then publishes a new config and, for isolate, waits for a
// grace period before it could recycle the old one (sync.RWMutex's writer:
// Lock, the rewrite, Unlock, and the same publish; the garbage collector
// recycles).
func BenchmarkLoadSaturated(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) {
		var iso Isolator
		table := loadTable{}
		var cfg atomic.Pointer[loadConfig]
		cfg.Store(&loadConfig{})
		benchSaturated(b, saturated{
			worker: func(jobs <-chan uint64, done func()) {
				m := iso.Join()
				defer m.Leave()
				for {
					sc := m.Idle()
					j, ok := <-jobs
					sc.End()
					if !ok {
						return
					}
					c := cfg.Load()
					loadSink.Add(loadWork(j*c.factor+table[j%64], 200))
					done()
				}
			},
			rewrite: func(k uint64) {
				rel := iso.Isolate()
				for i := range uint64(64) {
					table[i] = k + i
				}
				rel()
			},
			publish: func(k uint64) {
				cfg.Store(&loadConfig{version: k, factor: k | 1})
				iso.Synchronize()
			},
		})
	})
	b.Run("impl=rwmutex", func(b *testing.B) {
		var mu sync.RWMutex
		table := loadTable{}
		var cfg atomic.Pointer[loadConfig]
		cfg.Store(&loadConfig{})
		benchSaturated(b, saturated{
			worker: func(jobs <-chan uint64, done func()) {
				for j := range jobs {
					mu.RLock()
					c := cfg.Load()
					loadSink.Add(loadWork(j*c.factor+table[j%64], 200))
					mu.RUnlock()
					done()
				}
			},
			rewrite: func(k uint64) {
				mu.Lock()
				for i := range uint64(64) {
					table[i] = k + i
				}
				mu.Unlock()
			},
			publish: func(k uint64) {
				cfg.Store(&loadConfig{version: k, factor: k | 1})
			},
		})
	})
}

// benchSaturated runs the saturated service of impl for b.N admin ticks and
// reports the admin's tick latency and the workers' throughput.
func benchSaturated(b *testing.B, impl saturated) {
	const workers, clients, tickEvery = 4, 8, 500 * time.Microsecond
	jobs := make(chan uint64, 256)
	stop := make(chan struct{})
	var served atomic.Int64
	var wg, cl sync.WaitGroup
	for range workers {
		wg.Go(func() { impl.worker(jobs, func() { served.Add(1) }) })
	}
	for c := range clients {
		cl.Go(func() {
			for k := uint64(c); ; k += clients {
				loadSink.Add(loadWork(k, 100))
				select {
				case jobs <- k:
				case <-stop:
					return
				}
			}
		})
	}
	time.Sleep(10 * time.Millisecond) // the queue fills
	lat := make([]time.Duration, 0, b.N)
	rewrites := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start, served0 := time.Now(), served.Load()
	next := start
	for k := range uint64(b.N) {
		next = next.Add(tickEvery)
		if d := time.Until(next); d > 0 {
			time.Sleep(d)
		}
		t0 := time.Now()
		impl.rewrite(k)
		t1 := time.Now()
		impl.publish(k)
		lat = append(lat, time.Since(t0))
		rewrites = append(rewrites, t1.Sub(t0))
	}
	elapsed, jobsDone := time.Since(start), served.Load()-served0
	b.StopTimer()
	close(stop)
	cl.Wait()
	close(jobs)
	wg.Wait()
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	_, p99 := percentiles(lat)
	_, rewriteP99 := percentiles(rewrites)
	b.ReportMetric(float64(sum.Microseconds())/float64(len(lat)), "admin-us")
	b.ReportMetric(float64(p99.Microseconds()), "admin-p99-us")
	b.ReportMetric(float64(rewriteP99.Microseconds()), "rewrite-p99-us")
	b.ReportMetric(float64(jobsDone)/elapsed.Seconds(), "jobs/s")
}
