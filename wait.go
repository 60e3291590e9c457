package isolate

import (
	"sync/atomic"

	"github.com/isolatekit/isolate/spin"
)

// A waiter is one goroutine waiting to be told that it may go on: a member
// held back by an isolation, a request waiting for its grant, or a grace
// period waiting for a member's idle entry. It spins
// briefly, when spinning can help, then parks on a channel.
type waiter struct {
	done atomic.Bool
	// ch holds at most one wake-up token. A token left over from a
	// signal that the waiter saw while spinning makes a later wait loop
	// once more: wait always re-checks done.
	ch chan struct{}
}

// arm prepares w for a wait; it runs under the lock that signal runs under
// (Isolator.mu, or graceState.mu for a grace period).
func (w *waiter) arm() {
	if w.ch == nil {
		w.ch = make(chan struct{}, 1)
	}
	w.done.Swap(false) // a Swap, not a Store: see "Writes" in the protocol
}

// signal tells the waiter to go on.
func (w *waiter) signal() {
	w.done.Swap(true)
	select {
	case w.ch <- struct{}{}:
	default: // a token is pending already
	}
}

// wait returns true once signal was called, or false if abandon is closed
// first (a nil channel never is). It spins first only if busy is set (the
// goroutine waited for is running, so the wait may be short) and spinning
// can help.
func (w *waiter) wait(busy bool, abandon <-chan struct{}) bool {
	if busy && spin.CanSpin() {
		var b spin.Backoff
		for !w.done.Load() && b.Snooze() {
		}
	}
	for !w.done.Load() {
		select {
		case <-w.ch:
		case <-abandon:
			return w.done.Load()
		}
	}
	return true
}
