package isolate_test

// Examples of grace periods: Synchronize, SynchronizeContext, Defer and
// Barrier.

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate"
)

// A config behind an atomic.Pointer: readers load it without a lock while
// they run, and are idle between jobs. The writer swaps in a new version,
// waits for a grace period, and then reuses the old one's buffer: no reader
// can still hold it.
func ExampleIsolator_Synchronize() {
	type config struct{ weights []int }
	var iso isolate.Isolator
	var current atomic.Pointer[config]
	current.Store(&config{weights: make([]int, 1024)})

	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			defer m.Leave()
			for {
				end := m.Idle() // between jobs: holds no config
				job, ok := <-jobs
				end.End()
				if !ok {
					return
				}
				c := current.Load() // held until the next idle scope
				_ = c.weights[job%len(c.weights)]
			}
		}()
	}

	spare := &config{weights: make([]int, 1024)}
	for version := 1; version <= 3; version++ {
		for i := range 100 {
			jobs <- i
		}
		for i := range spare.weights {
			spare.weights[i] = version
		}
		old := current.Swap(spare)
		iso.Synchronize() // every reader of old has been idle since
		spare = old       // so its buffer may be written again
	}
	close(jobs)
	wg.Wait()
	fmt.Println("weights of version", current.Load().weights[0])
	// Output: weights of version 3
}

// Defer retires old versions without waiting: the funcs run on the
// Isolator's goroutine once the grace period that began after their Defer
// call is over, and the funcs deferred meanwhile share it.
func ExampleIsolator_Defer() {
	var iso isolate.Isolator
	var buffers sync.Pool
	var current atomic.Pointer[[]byte]
	first := make([]byte, 4096)
	current.Store(&first)

	reader := iso.Join()
	_ = (*current.Load())[0] // the reader holds the current buffer

	n := 0 // written by the deferred funcs, which run one after another
	for range 3 {
		next := make([]byte, 4096)
		old := current.Swap(&next)
		iso.Defer(func() {
			buffers.Put(old) // no member holds old any more
			n++
		})
	}
	fmt.Println("pending while the reader runs:", iso.Stats().DeferredPending)

	end := reader.Idle() // drops its reference: the grace period ends
	iso.Barrier()        // waits for the funcs to run (idle: see Barrier)
	end.End()
	reader.Leave()
	fmt.Println("recycled after its idle scope:", n)
	// Output:
	// pending while the reader runs: 3
	// recycled after its idle scope: 3
}

// Barrier waits until the funcs deferred before it have run: here a
// shutdown that counts the connections the deferred funcs closed. A member
// calls it, as it calls Synchronize, inside an Idle scope: the funcs wait
// for a grace period, which waits for every member that runs.
func ExampleIsolator_Barrier() {
	var iso isolate.Isolator
	m := iso.Join() // a reader, running: it may hold the connections
	closed := 0     // written by the deferred funcs, read after Barrier
	for range 3 {
		iso.Defer(func() { closed++ })
	}
	sc := m.Idle()
	iso.Barrier()
	sc.End()
	m.Leave()
	fmt.Println("closed:", closed)

	iso.Barrier() // nothing pending: returns at once
	// Output: closed: 3
}

// SynchronizeContext gives up when its context ends, and leaves no trace.
func ExampleIsolator_SynchronizeContext() {
	var iso isolate.Isolator
	m := iso.Join() // runs, and never becomes idle in this example
	defer m.Leave()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	err := iso.SynchronizeContext(ctx) //isolate:ok the example shows a grace period that gives up on a running member
	fmt.Println(errors.Is(err, context.DeadlineExceeded))
	// Output: true
}
