package spin_test

import (
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/isolatekit/isolate/spin"
)

// Event is a one-shot signal that waiters poll for a while before they
// block.
type Event struct {
	done atomic.Bool
	mu   sync.Mutex
	cond *sync.Cond
}

func NewEvent() *Event {
	e := &Event{}
	e.cond = sync.NewCond(&e.mu)
	return e
}

// Set signals the event and wakes the blocked waiters.
func (e *Event) Set() {
	e.mu.Lock()
	e.done.Store(true)
	e.mu.Unlock()
	e.cond.Broadcast()
}

// Wait returns once the event is set.
func (e *Event) Wait() {
	if spin.CanSpin() {
		var b spin.Backoff
		for !e.done.Load() {
			if !b.Snooze() {
				break
			}
		}
	}
	e.mu.Lock()
	for !e.done.Load() {
		e.cond.Wait()
	}
	e.mu.Unlock()
}

// A waiter polls with a Backoff and blocks on a sync.Cond once the Backoff
// is completed.
func ExampleBackoff() {
	e := NewEvent()
	go e.Set()
	e.Wait()
	fmt.Println("set")
	// Output: set
}
