package isolate

// Benchmarks of diagnostics: what a named member pays to join, and one stall
// report.

import (
	"sync"
	"testing"
	"time"
)

// BenchmarkJoinNamedLeave measures what a named member pays to join and
// leave: JoinNamed records its goroutine (a walk of its stack), which Join
// does not. The peer is Join+Leave in the same run (compare with
// BenchmarkJoinLeave's RLock+RUnlock there).
func BenchmarkJoinNamedLeave(b *testing.B) {
	b.Run("impl=isolate-named", func(b *testing.B) {
		var iso Isolator
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				iso.JoinNamed("conn").Leave()
			}
		})
	})
	b.Run("impl=isolate", func(b *testing.B) {
		var iso Isolator
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				iso.Join().Leave()
			}
		})
	})
	b.Run("impl=rwmutex", benchReadLock)
}

// BenchmarkStallReport measures one stall report with named members, on the
// report path only: one dump of every goroutine, parsed.
func BenchmarkStallReport(b *testing.B) {
	for _, named := range []int{1, 64} {
		b.Run(map[int]string{1: "named=1", 64: "named=64"}[named], func(b *testing.B) {
			iso := &Isolator{StallAfter: time.Hour}
			stop := make(chan struct{})
			var wg sync.WaitGroup
			for range named {
				joined := make(chan struct{})
				wg.Go(func() { blockInReceive(iso, joined, stop) })
				<-joined
			}
			b.ResetTimer()
			for b.Loop() {
				iso.mu.Lock()
				named := iso.namedLocked()
				iso.mu.Unlock()
				var r StallReport
				r.locate(infos(named, nil), isolateMethods, false)
			}
			b.StopTimer()
			close(stop)
			wg.Wait()
		})
	}
}
