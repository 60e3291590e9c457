package spin

import (
	"fmt"
	"github.com/isolatekit/isolate/internal/cputime"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/isolatekit/isolate/arch"
)

func BenchmarkSnooze(b *testing.B) {
	// One whole wait: every round of Snooze, from the zero value to
	// completion, with nothing else running.
	b.Run("wait", func(b *testing.B) {
		for b.Loop() {
			var bo Backoff
			for bo.Snooze() {
			}
		}
	})
	// One spinning round at each step.
	for step := uint32(0); step <= SpinLimit; step++ {
		b.Run(fmt.Sprintf("step=%d", step), func(b *testing.B) {
			for b.Loop() {
				bo := Backoff{step: step}
				bo.Snooze()
			}
		})
	}
	// One yielding round.
	b.Run("yield", func(b *testing.B) {
		for b.Loop() {
			bo := Backoff{step: SpinLimit + 1}
			bo.Snooze()
		}
	})
}

func BenchmarkCanSpin(b *testing.B) {
	for b.Loop() {
		CanSpin()
	}
}

// A gate is a one-shot event that one goroutine waits for and another
// opens: the waiter polls it, then parks on a channel.
type gate struct {
	state atomic.Int32 // gateClosed, gateOpen or gateParked
	wake  chan struct{}
}

const (
	gateClosed = iota
	gateOpen
	gateParked // closed, and the waiter is blocked on wake
)

func newGate() *gate {
	return &gate{wake: make(chan struct{}, 1)}
}

func (g *gate) open() {
	if g.state.Swap(gateOpen) == gateParked {
		g.wake <- struct{}{}
	}
}

func (g *gate) isOpen() bool {
	return g.state.Load() == gateOpen
}

// park blocks until the gate is open.
func (g *gate) park() {
	if g.state.CompareAndSwap(gateClosed, gateParked) {
		<-g.wake
	}
}

// A waitPolicy waits until g is open.
type waitPolicy struct {
	name string
	wait func(g *gate)
}

var waitPolicies = []waitPolicy{
	{"park", func(g *gate) {
		g.park()
	}},
	{"backoff", func(g *gate) {
		var b Backoff
		for !g.isOpen() {
			if !b.Snooze() {
				g.park()
				return
			}
		}
	}},
	{"spin", func(g *gate) {
		for !g.isOpen() {
			arch.Pause()
		}
	}},
	{"gosched", func(g *gate) {
		for !g.isOpen() {
			runtime.Gosched()
		}
	}},
}

// work keeps the processor busy for d.
func work(d time.Duration) {
	if d == 0 {
		return
	}
	for start := time.Now(); time.Since(start) < d; {
	}
}

// wakeLatency measures how soon a waiter notices an event that another
// goroutine signals while it goes on running: a partner goroutine, busy
// all the time, waits until the benchmark's goroutine is waiting, works
// for d, and opens the gate. One op is one such wait. The reported wake-ns
// is the mean time from the opening of the gate to the waiter's return
// from wait. The cpu-ns, where reported, is the processor time the
// process spent per op; since the partner is always running, the waiter
// spent about cpu-ns minus ns/op of it.
func wakeLatency(b *testing.B, d time.Duration, wait func(*gate)) {
	g := newGate()
	var (
		armed    atomic.Bool
		stop     atomic.Bool
		openedAt atomic.Int64 // nanoseconds since start
	)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for !stop.Load() {
			if !armed.Load() {
				continue
			}
			armed.Store(false)
			work(d)
			openedAt.Store(int64(time.Since(start)))
			g.open()
		}
	}()

	var latency time.Duration
	cpu0, cpuOK := cputime.Process()
	for b.Loop() {
		armed.Store(true)
		wait(g)
		seen := time.Since(start)
		latency += seen - time.Duration(openedAt.Load())
		g.state.Store(gateClosed)
	}
	cpu1, _ := cputime.Process()
	stop.Store(true)
	<-done

	b.ReportMetric(float64(latency.Nanoseconds())/float64(b.N), "wake-ns")
	if cpuOK {
		cpu := float64((cpu1 - cpu0).Nanoseconds()) / float64(b.N)
		b.ReportMetric(cpu, "cpu-ns/op")
	}
}

// BenchmarkWake compares ways to wait for an event that another running
// goroutine signals after working for a while.
func BenchmarkWake(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("spinning waits need GOMAXPROCS >= 2")
	}
	for _, d := range []time.Duration{0, time.Microsecond, 3 * time.Microsecond, 10 * time.Microsecond} {
		for _, p := range waitPolicies {
			b.Run(fmt.Sprintf("work=%v/%s", d, p.name), func(b *testing.B) {
				wakeLatency(b, d, p.wait)
			})
		}
	}
}
