package arch_test

import (
	"fmt"
	"sync/atomic"

	"github.com/isolatekit/isolate/arch"
)

// A goroutine waits for a flag that another goroutine sets soon. Pause in
// the polling loop tells the processor that this is a wait loop.
func ExamplePause() {
	var ready atomic.Bool
	go func() {
		ready.Store(true)
	}()
	for !ready.Load() {
		arch.Pause()
	}
	fmt.Println("ready")
	// Output: ready
}

// An exponential backoff between polls: each failed poll waits twice as
// many hints as the previous one, up to 64.
func ExamplePauseN() {
	var ready atomic.Bool
	go func() {
		ready.Store(true)
	}()
	for hints := uint32(1); !ready.Load(); hints = min(2*hints, 64) {
		arch.PauseN(hints)
	}
	fmt.Println("ready")
	// Output: ready
}
