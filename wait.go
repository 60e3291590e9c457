package isolate

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate/spin"
)

// A waiter is one goroutine waiting to be told that it may go on: a member
// held back by an isolation, a request waiting for its grant, or a grace
// period waiting for a member's idle entry.
//
// Waiting costs nothing but for the one waiter next in line: the caller says
// whether the wait may spin (only the request that the next grant goes to,
// see awaitGrant), and every other wait parks at once.
//
// A wait parks on its channel, of capacity 1, which signal sends one value
// to. Outside a testing/synctest bubble the channel is made once and kept
// for every later park: each park receives the one value sent for it (or
// the abandon path below receives it), so the channel is empty whenever
// the waiter is not parked. Inside a bubble a wait makes a fresh channel
// for each park, as it must: an operation on a channel made in a bubble
// panics outside that bubble, and a goroutine blocked on a channel
// made outside its bubble is not durably blocked (synctest.Wait would
// never return), so no channel may go from one side of a bubble's
// boundary to the other. An Isolator used in one bubble, then in another
// or in plain code, never parks on a channel of the first. A bubble is
// told apart without importing testing: time.Now has no monotonic reading
// inside one (now == now.Round(0)), and the waiter records, with its
// channel, on which side it was made (bubbled).
//
// The word phase says where the waiter is:
//
//	waiting  armed, not yet told; the waiter checks the word, or spins
//	parked   the waiter blocks on ch: signal must send to it
//	done     told; the waiter goes on (or sees it at its next check)
//
// The waiter moves waiting -> parked (by CompareAndSwap, after it set up
// ch), and back to waiting if it gives up (abandon) before a signal; signal
// moves either to done (by Swap) and sends to ch if it took the word from
// parked; arm moves done back to waiting, under the lock that signal runs
// under, or on the waiter's goroutine before it looks again at what it
// waits for (grace.go). Only the waiter's CompareAndSwap makes the word
// parked, and only one Swap can take it from parked, so each park gets at
// most one send, which never blocks (the channel is empty: see above), and
// the waiter receives it: on its select, or, if it gives up but its
// CompareAndSwap back to waiting fails (a signal took the word first), by
// a receive that waits for the send in flight. Since the waiter writes ch
// before its CompareAndSwap and signal reads it after its Swap, the read
// sees that park's channel; a new channel replaces it only after the
// waiter received from the old one, which the send synchronizes after the
// read.
type waiter struct {
	phase atomic.Uint32
	// bubbled is set when ch was made inside a synctest bubble. It sits in
	// the room that phase leaves before ch: a slot, which embeds a waiter,
	// fills whole cache lines (slotFields).
	bubbled bool
	ch      chan struct{}
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
	w.ch <- struct{}{} // never blocks: the park's channel is empty
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
	return w.waitSince(maySpin, abandon, time.Time{})
}

// waitSince is wait for a caller that read the clock as the wait began
// (now, with time.Now: it tells the waiter's bubble, or none), which a
// park then need not read again (see channel); zero if it did not.
func (w *waiter) waitSince(maySpin bool, abandon <-chan struct{}, now time.Time) bool {
	if maySpin && spin.CanSpin() {
		var b spin.Backoff
		for i := 0; i <= spin.SpinLimit; i++ {
			if w.isDone() {
				return true
			}
			b.Spin()
		}
	}
	w.channel(now)
	if !w.phase.CompareAndSwap(waitWaiting, waitParked) {
		return true // signalled meanwhile: the word says done
	}
	if abandon == nil {
		// Nothing to give up for: a plain receive, which costs less
		// than a select (a held member's park, a section's).
		<-w.ch
		return true
	}
	select {
	case <-w.ch:
		return true
	case <-abandon:
		if w.phase.CompareAndSwap(waitParked, waitWaiting) {
			return false // no signal will send to ch now
		}
		// Signalled meanwhile: its send is on its way; receive it, so
		// that ch is empty for the next park, and the send is done
		// before ch may be replaced.
		<-w.ch
		return true
	}
}

// channel readies w.ch for a park: the channel kept from an earlier park
// outside a bubble, or a new one (see waiter). now is the time read on the
// waiter's goroutine as the wait began, or zero: channel then reads it (a
// clock read costs about what the allocation it saves does, so a wait that
// read the clock anyway passes it on).
func (w *waiter) channel(now time.Time) {
	if now.IsZero() {
		now = time.Now()
	}
	bubbled := inBubble(now)
	if w.ch == nil || bubbled || w.bubbled {
		w.ch, w.bubbled = make(chan struct{}, 1), bubbled
	}
}

// inBubble reports whether now, read with time.Now, was read in a
// testing/synctest bubble: the bubble's clock has no monotonic reading.
func inBubble(now time.Time) bool {
	return now == now.Round(0)
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
