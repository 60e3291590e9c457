package spin_test

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/isolatekit/isolate/spin"
)

// Spin paces the retries of a compare-and-swap loop under contention. It
// never yields and never completes.
func ExampleBackoff_Spin() {
	var highest atomic.Int64
	update := func(v int64) {
		var b spin.Backoff
		for {
			old := highest.Load()
			if v <= old || highest.CompareAndSwap(old, v) {
				return
			}
			b.Spin()
		}
	}

	var wg sync.WaitGroup
	for i := range int64(8) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			update(i * 10)
		}()
	}
	wg.Wait()
	fmt.Println(highest.Load())
	// Output: 70
}

// Snooze returns false once the caller should block; Completed reports the
// same without waiting.
func ExampleBackoff_Snooze() {
	var b spin.Backoff
	rounds := 0
	for b.Snooze() {
		rounds++
	}
	fmt.Println(rounds, b.Completed())
	// Output: 11 true
}
