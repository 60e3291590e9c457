package isolate

// Micro-benchmarks of the core operations against their peers: scopes,
// Poll, isolations, Join and Leave, requests, bursts, wake-ups and the
// processor time of waiting. Benchmarks of one area go in
// bench_<area>_test.go (bench_grace, bench_combine for Do, bench_scope for
// Busy and JoinIdle, bench_diag, bench_load, bench_outsider); their helpers
// are in bench_helpers_test.go.
//
// Micro-benchmarks of the isolate package against its peers: the floor of
// its design, sync.RWMutex, xsync's RBMutex (BRAVO) and the seed's
// shared-mask algorithm (internal/seedref). Every peer runs in the same
// benchmark, as a sub-benchmark named impl=..., so that benchstat compares
// them in one run:
//
//	go test -run '^$' -bench . -cpu 1,2 -count 10 > new.txt
//	benchstat -col /impl new.txt
//
// Benchmarks where concurrency matters use b.RunParallel: one goroutine
// per GOMAXPROCS (-cpu), each with its own member (or thread id).

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/isolatekit/isolate/internal/seedref"
	"github.com/puzpuzpuz/xsync/v4"
)

// BenchmarkHarmless measures entering and ending a harmless scope, the
// operation members run around every blocking call, against what peers
// run instead: a reader's unlock and lock.
func BenchmarkHarmless(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) { benchScope(b, kindHarmless) })
	b.Run("impl=floor", benchFloorScope)
	b.Run("impl=rwmutex", benchReadLock)
	b.Run("impl=rbmutex", benchReadLockRB)
	b.Run("impl=seedref", func(b *testing.B) {
		r := seedref.New(runtime.GOMAXPROCS(0))
		var ids atomic.Int32
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			id := int(ids.Add(1) - 1)
			r.HarmlessEnd(id)
			for pb.Next() {
				r.HarmlessNow(id)
				r.HarmlessEnd(id)
			}
			r.HarmlessNow(id)
		})
	})
}

// BenchmarkPoll measures a safepoint with nothing pending against the bare
// load and test it is made of.
func BenchmarkPoll(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) {
		var iso Isolator
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			m := iso.Join()
			for pb.Next() {
				m.Poll()
			}
			m.Leave()
		})
	})
	b.Run("impl=load", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			g := &floorGate.Uint64
			for pb.Next() {
				if g.Load()&gateHoldsHarmless != 0 {
					floorSlow()
				}
			}
		})
	})
}

// isolateCrowds are the numbers of members parked in harmless scopes
// while one goroutine isolates itself over and over.
var isolateCrowds = []int{1, 64, 1024, 4096}

// BenchmarkIsolate measures an isolation and its release, by an outsider
// and by a member, while n other members sit still in harmless scopes,
// against sync.RWMutex's Lock and Unlock (its idle readers hold nothing)
// and the seed's algorithm (whose harmless threads are bits in a mask);
// a member also with IsolateScope, which allocates no release func.
func BenchmarkIsolate(b *testing.B) {
	for _, by := range []string{"outsider", "member"} {
		for _, n := range isolateCrowds {
			name := fmt.Sprintf("by=%s/members=%d", by, n)
			b.Run(name+"/impl=isolate", func(b *testing.B) {
				var iso Isolator
				defer parkHarmless(b, &iso, n)()
				b.ReportAllocs()
				if by == "outsider" {
					for b.Loop() {
						iso.Isolate()()
					}
					return
				}
				m := iso.Join()
				defer m.Leave()
				for b.Loop() {
					m.Isolate()()
				}
			})
			if by == "member" {
				b.Run(name+"/impl=isolate-scope", func(b *testing.B) {
					var iso Isolator
					defer parkHarmless(b, &iso, n)()
					b.ReportAllocs()
					m := iso.Join()
					defer m.Leave()
					for b.Loop() {
						m.IsolateScope().End()
					}
				})
			}
			b.Run(name+"/impl=rwmutex", func(b *testing.B) { benchLockCrowd(b, n) })
			b.Run(name+"/impl=seedref", func(b *testing.B) {
				// Ids 0 to n-1 sit harmless (every id starts so), n
				// isolates as an outsider, n+1 as a running thread.
				r := seedref.New(n + 2)
				b.ReportAllocs()
				if by == "outsider" {
					for b.Loop() {
						r.Isolate(n)
						r.ReleaseHarmless(n)
					}
					return
				}
				r.HarmlessEnd(n + 1)
				for b.Loop() {
					r.Isolate(n + 1)
					r.Release(n + 1)
				}
				r.HarmlessNow(n + 1)
			})
		}
	}
}

// BenchmarkJoinLeave measures a goroutine joining and leaving, which
// servers that join per request pay each time, against a reader's lock and
// unlock. noleakcheck is an Isolator with DisableLeakCheck set.
func BenchmarkJoinLeave(b *testing.B) {
	for _, leakCheck := range []bool{true, false} {
		name := "impl=isolate"
		if !leakCheck {
			name = "impl=isolate-noleakcheck"
		}
		b.Run(name, func(b *testing.B) {
			iso := &Isolator{DisableLeakCheck: !leakCheck}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					iso.Join().Leave()
				}
			})
		})
	}
	b.Run("impl=rwmutex", benchReadLock)
	b.Run("impl=rbmutex", benchReadLockRB)
}

// BenchmarkRequest measures what a goroutine per request pays to take part:
// join, one harmless scope around its blocking read, leave. The peer is the
// read lock that the request would hold instead, taken once (RLock and
// RUnlock); a faithful translation releases it around the blocking read too,
// which costs two such pairs.
func BenchmarkRequest(b *testing.B) {
	b.Run("impl=isolate", func(b *testing.B) {
		var iso Isolator
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				m := iso.Join()
				m.Harmless().End()
				m.Leave()
			}
		})
	})
	b.Run("impl=rwmutex", benchReadLock)
	b.Run("impl=rbmutex", benchReadLockRB)
}

// BenchmarkAfterBurst measures an outsider's isolation, with one member
// harmless, and a Join+Leave, after 65,536 members joined and left: a
// burst must not leave a cost behind (compare with BenchmarkIsolate's
// members=1 and BenchmarkJoinLeave).
func BenchmarkAfterBurst(b *testing.B) {
	burst := func(b *testing.B) *Isolator {
		iso := new(Isolator)
		ms := make([]Member, 1<<16)
		for i := range ms {
			ms[i] = iso.Join()
		}
		for _, m := range ms {
			m.Leave()
		}
		b.ResetTimer()
		return iso
	}
	b.Run("op=isolate", func(b *testing.B) {
		iso := burst(b)
		defer parkHarmless(b, iso, 1)()
		b.ReportAllocs()
		for b.Loop() {
			iso.Isolate()()
		}
	})
	b.Run("op=join-leave", func(b *testing.B) {
		iso := burst(b)
		b.ReportAllocs()
		for b.Loop() {
			iso.Join().Leave()
		}
	})
}

// BenchmarkWakeup measures wake-up latency, reported as p50-ns and p99-ns
// (ns/op is dominated by the parkDelay each round waits):
//
//   - after=release: from the isolator's release to a member, parked
//     because it ended a harmless scope during the isolation, running
//     again (peers: a reader blocked by a writer, from Unlock);
//   - after=harmless: from the last running member entering a harmless
//     scope to an isolator, parked waiting for it, running (peers: a
//     writer blocked by a reader, from RUnlock).
func BenchmarkWakeup(b *testing.B) {
	for _, c := range []struct {
		name  string
		round func(b *testing.B) (round func() time.Duration, stop func())
	}{
		{"after=release/impl=isolate", wakeMemberIsolate},
		{"after=release/impl=rwmutex", wakeReader(rwLocker{}, false)},
		{"after=release/impl=rbmutex", wakeReader(rbLocker{}, false)},
		{"after=release/impl=seedref", wakeMemberSeedref},
		{"after=harmless/impl=isolate", wakeIsolatorIsolate},
		{"after=harmless/impl=rwmutex", wakeReader(rwLocker{}, true)},
		{"after=harmless/impl=rbmutex", wakeReader(rbLocker{}, true)},
		{"after=harmless/impl=seedref", wakeIsolatorSeedref},
	} {
		b.Run(c.name, func(b *testing.B) {
			round, stop := c.round(b)
			defer stop()
			latencyRounds(b, round)
		})
	}
}

// wakeMemberIsolate: a member ends a harmless scope during an outsider's
// isolation, parks, and is woken by the release.
func wakeMemberIsolate(*testing.B) (func() time.Duration, func()) {
	var iso Isolator
	var t0 since
	kick, lat := make(chan struct{}), make(chan time.Duration)
	ready, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		m := iso.Join()
		defer m.Leave()
		end := m.Harmless()
		close(ready)
		for range kick {
			end.End() // held by the isolation
			lat <- t0.elapsed()
			end = m.Harmless()
		}
		end.End()
	}()
	<-ready // Join waits out isolations: join before the first
	round := func() time.Duration {
		release := iso.Isolate()
		kick <- struct{}{}
		time.Sleep(parkDelay)
		t0.mark()
		release()
		return <-lat
	}
	return round, func() { close(kick); <-done }
}

// wakeIsolatorIsolate: an outsider waits for the one running member, parks,
// and is woken when the member enters a harmless scope.
func wakeIsolatorIsolate(*testing.B) (func() time.Duration, func()) {
	var iso Isolator
	var t0 since
	kick, lat := make(chan struct{}), make(chan time.Duration)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range kick {
			release := iso.Isolate() // waits for the member
			d := t0.elapsed()
			release()
			lat <- d
		}
	}()
	m := iso.Join()
	round := func() time.Duration {
		kick <- struct{}{}
		time.Sleep(parkDelay)
		t0.mark()
		end := m.Harmless()
		d := <-lat
		end.End()
		return d
	}
	return round, func() { close(kick); <-done; m.Leave() }
}

// wakeMemberSeedref: wakeMemberIsolate for the seed's algorithm, whose
// waiters spin with runtime.Gosched instead of parking.
func wakeMemberSeedref(*testing.B) (func() time.Duration, func()) {
	r := seedref.New(2) // 0: the member, 1: the outsider
	var t0 since
	kick, lat := make(chan struct{}), make(chan time.Duration)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range kick {
			r.HarmlessEnd(0) // waits out the isolation
			d := t0.elapsed()
			r.HarmlessNow(0)
			lat <- d
		}
	}()
	round := func() time.Duration {
		r.Isolate(1)
		kick <- struct{}{}
		time.Sleep(parkDelay)
		t0.mark()
		r.ReleaseHarmless(1)
		return <-lat
	}
	return round, func() { close(kick); <-done }
}

// wakeIsolatorSeedref: wakeIsolatorIsolate for the seed's algorithm.
func wakeIsolatorSeedref(*testing.B) (func() time.Duration, func()) {
	r := seedref.New(2)
	var t0 since
	kick, lat := make(chan struct{}), make(chan time.Duration)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range kick {
			r.Isolate(1)
			d := t0.elapsed()
			r.ReleaseHarmless(1)
			lat <- d
		}
	}()
	r.HarmlessEnd(0)
	round := func() time.Duration {
		kick <- struct{}{}
		time.Sleep(parkDelay)
		t0.mark()
		r.HarmlessNow(0)
		d := <-lat
		r.HarmlessEnd(0)
		return d
	}
	return round, func() { close(kick); <-done }
}

// A locker is a reader-writer lock under test.
type locker interface {
	Lock()
	Unlock()
	// RLock returns what RUnlock needs.
	RLock() any
	RUnlock(any)
}

// newLocker makes a fresh lock of the kind the zero value names.
type lockerKind interface{ new() locker }

type rwLocker struct{ mu *sync.RWMutex }

func (rwLocker) new() locker     { return rwLocker{new(sync.RWMutex)} }
func (l rwLocker) Lock()         { l.mu.Lock() }
func (l rwLocker) Unlock()       { l.mu.Unlock() }
func (l rwLocker) RLock() any    { l.mu.RLock(); return nil }
func (l rwLocker) RUnlock(any)   { l.mu.RUnlock() }
func (rbLocker) new() locker     { return rbLocker{xsync.NewRBMutex()} }
func (l rbLocker) Lock()         { l.mu.Lock() }
func (l rbLocker) Unlock()       { l.mu.Unlock() }
func (l rbLocker) RLock() any    { return l.mu.RLock() }
func (l rbLocker) RUnlock(t any) { l.mu.RUnlock(t.(*xsync.RToken)) }

type rbLocker struct{ mu *xsync.RBMutex }

// wakeReader measures a reader-writer lock: with writerWaits false, a
// reader blocked by the writer, from Unlock; with writerWaits true, a
// writer blocked by the one reader, from RUnlock.
func wakeReader(kind lockerKind, writerWaits bool) func(*testing.B) (func() time.Duration, func()) {
	return func(*testing.B) (func() time.Duration, func()) {
		mu := kind.new()
		var t0 since
		kick, lat := make(chan struct{}), make(chan time.Duration)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for range kick {
				if writerWaits {
					mu.Lock()
					d := t0.elapsed()
					mu.Unlock()
					lat <- d
				} else {
					tok := mu.RLock()
					d := t0.elapsed()
					mu.RUnlock(tok)
					lat <- d
				}
			}
		}()
		round := func() time.Duration {
			if writerWaits {
				tok := mu.RLock()
				kick <- struct{}{}
				time.Sleep(parkDelay)
				t0.mark()
				mu.RUnlock(tok)
				return <-lat
			}
			mu.Lock()
			kick <- struct{}{}
			time.Sleep(parkDelay)
			t0.mark()
			mu.Unlock()
			return <-lat
		}
		return round, func() { close(kick); <-done }
	}
}

// benchReadLock is the peer of a harmless scope and of Join+Leave: a
// reader's lock and unlock of a sync.RWMutex, on every GOMAXPROCS.
func benchReadLock(b *testing.B) {
	var mu sync.RWMutex
	b.ReportAllocs()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.RLock()
			//lint:ignore SA2001 the benchmark measures an empty read section
			mu.RUnlock()
		}
	})
}

// benchReadLockRB is benchReadLock for xsync's RBMutex, whose reader
// takes a token from RLock to RUnlock.
func benchReadLockRB(b *testing.B) {
	mu := xsync.NewRBMutex()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.RUnlock(mu.RLock())
		}
	})
}

func BenchmarkWaitCPU(b *testing.B) {
	for _, c := range []struct {
		name string
		run  func(testing.TB) float64
	}{
		{"members-wait-isolation", membersWaitOutIsolation},
		{"isolator-waits-member", isolatorWaitsForMember},
	} {
		b.Run(c.name, func(b *testing.B) {
			var sum float64
			for range b.N {
				sum += c.run(b)
			}
			b.ReportMetric(100*sum/float64(b.N), "%core")
		})
	}
}
