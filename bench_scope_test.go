package isolate

// Benchmarks of the callback frameworks' calls: a member joined idle, and
// its busy scope around each callback.

import "testing"

// BenchmarkBusy measures opening and ending a busy scope of a member that
// joined idle: what a callback pays to run as a member. The member runs
// (a swap and a load of the gate) and goes back to idle (a swap): the
// floor's scope, in the other direction (BenchmarkHarmless). The peer is a
// reader's lock and unlock around the callback.
func BenchmarkBusy(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) { benchScope(b, kindBusy) })
	b.Run("impl=floor", benchFloorScope)
	b.Run("impl=rwmutex", benchReadLock)
}

// BenchmarkJoinIdleLeave measures a member joining idle and leaving, as an
// accept hook and a close hook do per connection, against a reader's lock
// and unlock; BenchmarkJoinLeave, in the same run, measures Join and Leave,
// which make the member run in between.
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
	b.Run("impl=rwmutex", benchReadLock)
}
