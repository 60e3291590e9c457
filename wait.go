package isolate

import (
	"runtime"
	"sync/atomic"

	"github.com/isolatekit/isolate/spin"
)

// A waiter is one goroutine waiting to be told that it may go on: a member
// held back by an isolation, a request waiting for its grant, or a grace
// period waiting for a member's idle entry.
//
// Waiting costs nothing but for the one waiter next in line: the caller says
// whether the wait may spin (only the request that the next grant goes to,
// see awaitGrant), and every other wait parks at once. A wait parks on a
// channel it makes for that one park, so that no channel outlives the
// testing/synctest bubble it was made in: an Isolator used in one bubble,
// then in another or in plain code, never selects on a channel of the
// first (the cost, one small allocation, is paid only by a wait that
// parks, next to the cost of parking).
//
// The word phase says where the waiter is:
//
//	waiting  armed, not yet told; the waiter checks the word, or spins
//	parked   the waiter made ch and blocks on it: signal must close it
//	done     told; the waiter goes on (or sees it at its next check)
//
// The waiter moves waiting -> parked (by CompareAndSwap, after it made ch),
// and back to waiting if it gives up (abandon) before a signal; signal
// moves either to done (by Swap) and closes ch if it took the word from
// parked; arm moves done back to waiting, under the lock that signal runs
// under, or on the waiter's goroutine before it looks again at what it
// waits for (grace.go). Since the waiter writes ch before its
// CompareAndSwap and signal reads it after its Swap, the read sees that
// park's channel; the waiter makes a new one only after it received from
// the old one (after giving up too, if a signal took the word from
// parked first), which the close synchronizes after the read.
type waiter struct {
	phase atomic.Uint32
	ch    chan struct{}
}

// The states of a waiter's word.
const (
	waitWaiting uint32 = iota
	waitParked
	waitDone
)

// arm prepares w for a wait; it runs under the lock that signal runs under
// (Isolator.mu, or graceDomain.mu for a grace period), or on the waiter's
// goroutine before it looks again at the condition signal reports.
func (w *waiter) arm() {
	w.phase.Swap(waitWaiting) // a Swap, not a Store: see "Writes" in the protocol
}

// signal tells the waiter to go on, and reports whether it woke a parked
// goroutine: its caller may then yield its processor to it (see
// handOff).
func (w *waiter) signal() (woke bool) {
	if w.phase.Swap(waitDone) != waitParked {
		return false
	}
	close(w.ch)
	return true
}

// isDone reports whether signal was called since the last arm.
func (w *waiter) isDone() bool {
	return w.phase.Load() == waitDone
}

// wait returns true once signal was called, or false if abandon is closed
// first (a nil channel never is). It spins first only if maySpin is set
// (the waiter is next in line, and what it waits for runs) and spinning can
// help at all; spinning never yields the processor: a waiter that is not
// woken within the spin parks.
func (w *waiter) wait(maySpin bool, abandon <-chan struct{}) bool {
	if maySpin && spin.CanSpin() {
		var b spin.Backoff
		for i := 0; i <= spin.SpinLimit; i++ {
			if w.isDone() {
				return true
			}
			b.Spin()
		}
	}
	w.ch = make(chan struct{})
	if !w.phase.CompareAndSwap(waitWaiting, waitParked) {
		return true // signalled meanwhile: the word says done
	}
	select {
	case <-w.ch:
		return true
	case <-abandon:
		if w.phase.CompareAndSwap(waitParked, waitWaiting) {
			return false // no signal will close ch now
		}
		// Signalled meanwhile: its close of ch is on its way, and
		// must happen before ch may be replaced by a later park.
		<-w.ch
		return true
	}
}

// handOff yields the processor of a member that has just woken a parked
// goroutine (woke: a grant, a held member's admission, a grace period's
// wake-up) on its way to go on running. The runtime readies a woken
// goroutine on the waker's processor, to run when the waker blocks; a
// member with queued work never blocks, and the woken goroutine (an
// isolation or a grace period that everyone else may wait for) would sit
// there until the member is preempted, some milliseconds later. Yielding
// lets it run now, as sync.Mutex's hand-off does in its starvation mode.
// It runs only after a wake-up, never on a fast path, and never under a
// lock.
func handOff(woke bool) {
	if woke {
		runtime.Gosched()
	}
}
