package isolate

// Benchmarks of grace periods: Synchronize with idle and with busy members,
// and what members pay for them (idle scopes, the awaited flag's slow path).

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkSynchronize measures a grace period whose members are all idle,
// parked between jobs: the common case of a writer retiring a version while
// readers wait for work. Synchronize then scans the members once. Peers:
// the full isolation that gives the same guarantee (every member idle) by
// stopping members, and a sync.RWMutex's Lock+Unlock, which a writer takes
// to wait for readers that hold no read lock (the parked goroutines hold
// none: they stand for the same crowd).
func BenchmarkSynchronize(b *testing.B) {
	for _, n := range []int{1, 64, 4096} {
		b.Run(fmt.Sprintf("idle=%d/impl=isolate", n), func(b *testing.B) {
			var iso Isolator
			defer parkIdle(&iso, n)()
			b.ReportAllocs()
			for b.Loop() {
				iso.Synchronize()
			}
		})
		b.Run(fmt.Sprintf("idle=%d/impl=isolate-full", n), func(b *testing.B) {
			var iso Isolator
			defer parkIdle(&iso, n)()
			b.ReportAllocs()
			for b.Loop() {
				iso.IsolateFull()()
			}
		})
		b.Run(fmt.Sprintf("idle=%d/impl=rwmutex", n), func(b *testing.B) { benchLockCrowd(b, n) })
	}
}

// graceJob is how long a busy member runs between two idle instants in
// BenchmarkSynchronizeBusy.
const graceJob = 10 * time.Microsecond

// BenchmarkSynchronizeBusy measures the latency of a grace period while its
// members run jobs of graceJob back to back, idle for an instant between
// two (no blocking: the idle scope opens and ends at once), one member per
// processor but one, which the synchronizer needs to run on. A grace
// period then lasts until the slowest member finishes the job it was in:
// graceJob at most, half of it on average, plus a wake-up. The peer is the
// full isolation, which gives the same guarantee by stopping the members:
// jobs/ms is what the members got done meanwhile, which Synchronize does not
// reduce and IsolateFull does.
func BenchmarkSynchronizeBusy(b *testing.B) {
	members := max(1, runtime.GOMAXPROCS(0)-1)
	for _, impl := range []string{"isolate", "isolate-full"} {
		b.Run("impl="+impl, func(b *testing.B) {
			var iso Isolator
			var stop atomic.Bool
			var jobs atomic.Int64
			var wg, ready sync.WaitGroup
			for range members {
				wg.Add(1)
				ready.Add(1)
				go func() {
					defer wg.Done()
					m := iso.Join()
					defer m.Leave()
					ready.Done()
					n := int64(0)
					for !stop.Load() {
						for t0 := time.Now(); time.Since(t0) < graceJob; {
						}
						n++
						m.Idle().End()
					}
					jobs.Add(n)
				}()
			}
			ready.Wait()
			samples := make([]time.Duration, 0, b.N)
			start := time.Now()
			for b.Loop() {
				t0 := time.Now()
				if impl == "isolate" {
					iso.Synchronize()
				} else {
					iso.IsolateFull()()
				}
				samples = append(samples, time.Since(t0))
			}
			elapsed := time.Since(start)
			stop.Store(true)
			wg.Wait()
			p50, p99 := percentiles(samples)
			b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
			b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
			b.ReportMetric(float64(jobs.Load())/float64(elapsed.Milliseconds()+1), "jobs/ms")
		})
	}
}

// BenchmarkIdle measures entering and ending an idle scope, which members
// open between jobs, and which grace periods wait for: it writes the idle
// count with the state, in the same one Swap as a harmless scope. The floor
// is the harmless scope's (BenchmarkHarmless).
func BenchmarkIdle(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) { benchScope(b, kindIdle) })
	b.Run("impl=floor", benchFloorScope)
}

// BenchmarkHarmlessAwaited measures the harmless scopes of a member that a
// grace period waits for: each move hands the awaited flag on (the slow path
// of enter and resume, under graceDomain.mu) until the member's next idle
// entry. A grace period watches one member at a time, so one member pays it
// per waiting grace period. The peer is the same scope when no grace period
// waits.
func BenchmarkHarmlessAwaited(b *testing.B) {
	for _, awaited := range []bool{false, true} {
		b.Run(fmt.Sprintf("awaited=%v", awaited), func(b *testing.B) {
			var iso Isolator
			m := iso.Join()
			done := make(chan struct{})
			if awaited {
				go func() { iso.Synchronize(); close(done) }()
				for !m.mb.word.load().awaited() {
					runtime.Gosched()
				}
			} else {
				close(done)
			}
			for b.Loop() {
				m.Harmless().End()
			}
			m.Idle().End() // lets the grace period end
			<-done
			m.Leave()
		})
	}
}
