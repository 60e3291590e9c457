package isolate

// Benchmarks of an outsider's isolation, split into its parts.

import "testing"

// BenchmarkOutsiderParts splits an outsider's isolation with 64 members
// parked in harmless scopes (BenchmarkIsolate's by=outsider/members=64)
// into its parts, against sync.RWMutex's Lock and Unlock in the same run:
//
//   - part=whole: Isolate and the release func, as users call them;
//   - part=protocol: the same grant and release without making the
//     release func (the internal calls that Isolate and the func make), so
//     that whole minus protocol is the cost of the func, a closure bound
//     to its one grant (one allocation);
//   - part=closure: making and calling such a func alone.
func BenchmarkOutsiderParts(b *testing.B) {
	const members = 64
	b.Run("part=whole/impl=isolate", func(b *testing.B) {
		var iso Isolator
		defer parkHarmless(b, &iso, members)()
		b.ReportAllocs()
		for b.Loop() {
			iso.Isolate()()
		}
	})
	b.Run("part=protocol/impl=isolate", func(b *testing.B) {
		var iso Isolator
		defer parkHarmless(b, &iso, members)()
		b.ReportAllocs()
		for b.Loop() {
			iso.mu.Lock()
			req := iso.freeRequests.take()
			req.full = false
			if err := iso.acquire(req, abort{}, false); err != nil {
				b.Fatal(err)
			}
			iso.releaseOutsider(req, req.grants)
		}
	})
	b.Run("part=closure/impl=isolate", func(b *testing.B) {
		iso, req := new(Isolator), new(request)
		b.ReportAllocs()
		for range b.N {
			grant := req.grants
			closureFunc = func() { closureSink(iso, req, grant) }
			closureFunc()
		}
	})
	b.Run("part=whole/impl=rwmutex", func(b *testing.B) { benchLockCrowd(b, members) })
}

// closureFunc makes the func of part=closure escape, as a release func does.
var closureFunc func()

// closureSink stands for releaseOutsider in part=closure.
//
//go:noinline
func closureSink(iso *Isolator, req *request, grant uint64) {
	req.grants = grant + 1
}
