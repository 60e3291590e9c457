package isolate

import "testing"

// Benchmarks of the callback frameworks' calls: a member joined idle, and
// its busy scope around each callback.

// BenchmarkBusy measures opening and ending a busy scope of a member that
// joined idle: what a callback pays to run as a member. The member runs
// (a swap and a load of the gate) and goes back to idle (a swap): the
// floor's scope, in the other direction (BenchmarkHarmless). The peer is a
// reader's lock and unlock around the callback.
func BenchmarkBusy(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) {
		var iso Isolator
		b.ReportAllocs()
		defer reportCPU(b)()
		b.RunParallel(func(pb *testing.PB) {
			m := iso.JoinIdle()
			for pb.Next() {
				m.Busy().End()
			}
			m.Leave()
		})
	})
	b.Run("impl=floor", benchFloorScope)
	b.Run("impl=rwmutex", benchReadLock)
}

// BenchmarkJoinIdleLeave measures a member joining idle and leaving, as an
// accept hook and a close hook do per connection, against Join and Leave,
// which make the member run in between, and a reader's lock and unlock.
func BenchmarkJoinIdleLeave(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) {
		var iso Isolator
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				iso.JoinIdle().Leave()
			}
		})
	})
	b.Run("impl=join", func(b *testing.B) {
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
