package arch

import (
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestPause(t *testing.T) {
	for range 1000 {
		Pause()
	}
}

func TestPauseN(t *testing.T) {
	// Counts around the burst boundary exercise every path of PauseN: the
	// plain call, exactly one full burst in the tail call, and loops of
	// whole bursts followed by a remainder (or by none).
	for _, n := range []uint32{0, 1, 2, 7, burst - 1, burst, burst + 1, 2 * burst, 3*burst + 5, 1 << 16} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			PauseN(n)
		})
	}
}

// TestPauseNPreemptible checks that a long PauseN does not hold up the
// garbage collector: runtime.GC must stop the world twice and scan the
// stack of the goroutine inside PauseN, which it can do only at the
// preemption points between bursts. Without them, runtime.GC would return
// only after PauseN had finished.
//
// The test asserts an order of events, not a duration: PauseN is sized to
// run for about half a second, and the collection must finish before it.
func TestPauseNPreemptible(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about half a second")
	}
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("needs GOMAXPROCS >= 2 so that the collector runs beside PauseN")
	}

	// Calibrate the number of hints that takes about 500ms.
	const probe = 1 << 16
	start := time.Now()
	PauseN(probe)
	perHint := max(time.Since(start)/probe, 1)
	n := uint64(500*time.Millisecond) / uint64(perHint)
	n = min(max(n, probe), math.MaxUint32)

	var finished atomic.Bool
	running := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		close(running)
		PauseN(uint32(n))
		finished.Store(true)
	}()
	<-running
	runtime.GC()
	early := !finished.Load()
	<-done
	if !early {
		t.Fatalf("runtime.GC returned after PauseN(%d) finished; PauseN was not preempted", n)
	}
}
