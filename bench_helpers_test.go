package isolate

// Helpers for the benchmarks (bench_*_test.go): the floor a harmless scope
// is measured against, crowds of parked members and goroutines, and latency
// percentiles. (parkHarmless, which tests use too, is in helpers_test.go.)

import (
	"runtime/metrics"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/isolatekit/isolate/internal/cputime"
	"golang.org/x/sys/cpu"
)

// floorWord is a state word alone on its cache line.
type floorWord struct {
	_ cpu.CacheLinePad
	atomic.Uint32
	_ cpu.CacheLinePad
}

// floorGate is the floor's shared read-mostly word, on a line of its own.
var floorGate struct {
	_ cpu.CacheLinePad
	atomic.Uint64
	_ cpu.CacheLinePad
}

// floorMember is the least a harmless scope can cost in this design: a swap
// of the member's own padded word to enter, a swap back and a load of the
// shared gate to end. It is called the way a Member is: a method that
// returns a scope value, and that value's End method, neither inlined, as
// Member.Harmless and Scope.End are not; so that the comparison measures
// the protocol's bookkeeping (the scope stack, the checks that make an End
// exact), not call shapes.
type floorMember struct {
	state *floorWord
	gate  *atomic.Uint64
}

// floorScope is the floor's scope value.
type floorScope struct{ f *floorMember }

func newFloorMember() *floorMember {
	return &floorMember{state: new(floorWord), gate: &floorGate.Uint64}
}

// Harmless enters the floor's harmless scope.
//
//go:noinline
func (f *floorMember) Harmless() floorScope {
	f.state.Swap(1)
	return floorScope{f}
}

// End ends the floor's harmless scope.
//
//go:noinline
func (sc floorScope) End() {
	sc.f.state.Swap(0)
	if sc.f.gate.Load() != 0 {
		floorSlow()
	}
}

// benchScope measures opening a scope of kind k (harmless, idle, or busy
// for a member joined idle) and ending it, on one member per goroutine of
// b.RunParallel. The methods are called directly, not through a func
// value, as programs call them.
func benchScope(b *testing.B, k scopeKind) {
	var iso Isolator
	b.ReportAllocs()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		var m Member
		if k == kindBusy {
			m = iso.JoinIdle()
		} else {
			m = iso.Join()
		}
		for pb.Next() {
			switch k {
			case kindIdle:
				m.Idle().End()
			case kindBusy:
				m.Busy().End()
			default:
				m.Harmless().End()
			}
		}
		m.Leave()
	})
}

// benchFloorScope measures the floor's harmless scope, the least a scope
// can cost (see floorMember).
func benchFloorScope(b *testing.B) {
	b.ReportAllocs()
	defer reportCPU(b)()
	b.RunParallel(func(pb *testing.PB) {
		f := newFloorMember()
		for pb.Next() {
			f.Harmless().End()
		}
	})
}

// benchLockCrowd measures a sync.RWMutex's Lock and Unlock while n
// goroutines are parked: the peer of an isolation or a grace period whose
// members wait for work (readers that wait hold no read lock).
func benchLockCrowd(b *testing.B, n int) {
	var mu sync.RWMutex
	defer parkGoroutines(n)()
	b.ReportAllocs()
	for b.Loop() {
		mu.Lock()
		//lint:ignore SA2001 the benchmark measures an empty critical section
		mu.Unlock()
	}
}

// reportCPU starts counting the processor time of the process, and returns
// the func that reports it per operation (cpu-ns/op): on a shared machine,
// time spent waiting for a processor inflates ns/op but not cpu-ns/op,
// which is the steadier measure of a fast path's cost. It includes the
// runtime's own threads (the garbage collector: nothing, when nothing
// allocates).
func reportCPU(b *testing.B) (stop func()) {
	before, ok := cputime.Process()
	return func() {
		after, _ := cputime.Process()
		if ok && b.N > 0 {
			b.ReportMetric(float64(after-before)/float64(b.N), "cpu-ns/op")
		}
	}
}

// floorSlow stands for a slow path that the benchmarks never take.
//
//go:noinline
func floorSlow() { panic("floor: the gate is never set") }

// parkIdle is parkHarmless with idle scopes.
func parkIdle(iso *Isolator, n int) (stop func()) {
	return parkIn(iso, n, endOf(Member.Idle))
}

// parkGoroutines starts n goroutines that block until stop is called: the
// crowd of a peer whose idle readers hold nothing.
func parkGoroutines(n int) (stop func()) {
	var done sync.WaitGroup
	quit := make(chan struct{})
	done.Add(n)
	for range n {
		go func() {
			defer done.Done()
			<-quit
		}()
	}
	return func() {
		close(quit)
		done.Wait()
	}
}

// parkDelay is how long a latency round lets the waiter park: longer than
// any spin phase, so that the wake-up measured is that of a parked
// goroutine (a spinner would look faster than it is).
const parkDelay = 100 * time.Microsecond

// latencyRounds runs b.N rounds of a wake-up measurement. round runs one
// and returns the time from the waking action to the waiter running.
// It reports the median and the 99th percentile.
func latencyRounds(b *testing.B, round func() time.Duration) {
	b.ReportAllocs()
	samples := make([]time.Duration, 0, b.N)
	for b.Loop() {
		samples = append(samples, round())
	}
	p50, p99 := percentiles(samples)
	b.ReportMetric(float64(p50.Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(p99.Nanoseconds()), "p99-ns")
}

// percentiles returns the median and the 99th percentile of s, which it
// sorts; zeros for an empty s.
func percentiles(s []time.Duration) (p50, p99 time.Duration) {
	if len(s) == 0 {
		return 0, 0
	}
	slices.Sort(s)
	at := func(p int) time.Duration { return s[min(len(s)-1, len(s)*p/100)] }
	return at(50), at(99)
}

// since is a start time handed from the goroutine that wakes to the one
// woken, through an atomic so that the handoff needs no other edge. It
// counts from epoch, on the monotonic clock.
type since struct{ t atomic.Int64 }

var epoch = time.Now()

func (s *since) mark()                  { s.t.Store(int64(time.Since(epoch))) }
func (s *since) elapsed() time.Duration { return time.Since(epoch) - time.Duration(s.t.Load()) }

// schedulings returns the samples so far of /sched/latencies:seconds, the
// run-queue waits of goroutines as they start to run (a new goroutine, one
// woken from a park, one back from a yield or a preemption). The runtime
// samples some of these transitions only (one in eight of each goroutine,
// as of Go 1.26), so a benchmark that reports the difference per operation
// reports a relative measure of the context switches it costs, which a
// contended lock pays in parks and wake-ups: compare rows, not counts.
func schedulings() uint64 {
	s := []metrics.Sample{{Name: "/sched/latencies:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64Histogram {
		return 0
	}
	var n uint64
	for _, c := range s[0].Value.Float64Histogram().Counts {
		n += c
	}
	return n
}
