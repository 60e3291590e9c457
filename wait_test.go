package isolate

// Tests of the waiter (wait.go) itself: the channel a wait parks on, kept
// outside testing/synctest bubbles and made anew inside one, and the race
// of a signal with the end of a wait that gives up. The waits of requests,
// held members and grace periods are tested with their concepts.

import (
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// parkedOn arms w, starts a goroutine that waits on it (giving up when
// abandon is closed), and returns once that goroutine has parked, with the
// channel that reports the wait's outcome.
func parkedOn(w *waiter, abandon <-chan struct{}) chan bool {
	w.arm()
	out := make(chan bool, 1)
	go func() { out <- w.wait(false, abandon) }()
	for w.phase.Load() != waitParked {
		runtime.Gosched()
	}
	return out
}

// TestWaiterReusesItsChannel: outside a synctest bubble, a waiter parks on
// the same channel every time; inside one, on a new channel each time, and
// never on one made on the other side of the bubble's boundary.
func TestWaiterReusesItsChannel(t *testing.T) {
	var w waiter
	park := func() chan struct{} {
		out := parkedOn(&w, nil)
		ch := w.ch
		assert.True(t, w.signal(), "the signal wakes a parked waiter")
		assert.True(t, <-out)
		assert.Zero(t, len(w.ch), "the channel is empty after the wait")
		return ch
	}
	first := park()
	assert.Equal(t, first, park(), "outside a bubble the channel is kept")
	synctest.Test(t, func(t *testing.T) {
		a := park()
		assert.NotEqual(t, first, a, "a bubble does not use the channel made outside it")
		assert.True(t, w.bubbled)
		assert.NotEqual(t, a, park(), "in a bubble each park makes a channel")
	})
	plain := park()
	assert.False(t, w.bubbled, "outside a bubble again, a channel made outside it")
	assert.Equal(t, plain, park())
}

// TestWaiterAbandonRace: a signal racing the end of the wait's abandon
// channel leaves the waiter's channel empty, whichever wins, so that its
// next park (on the same channel) waits for its own signal.
func TestWaiterAbandonRace(t *testing.T) {
	var w waiter
	won := map[bool]int{}
	for i := range 2000 {
		abandon := make(chan struct{})
		out := parkedOn(&w, abandon)
		// Both go at once from two goroutines, each first in turn.
		signalled := make(chan bool, 1)
		start := make(chan struct{})
		goes := []func(){
			func() { <-start; signalled <- w.signal() },
			func() { <-start; close(abandon) },
		}
		go goes[i%2]()
		go goes[1-i%2]()
		close(start)
		got, woke := <-out, <-signalled
		require.Equal(t, woke, got, "the wait reports the signal that woke it, and only that")
		require.Zero(t, len(w.ch), "the channel is empty after the wait")
		won[got]++

		// The next park waits for its own signal, not an old one.
		out = parkedOn(&w, nil)
		select {
		case <-out:
			t.Fatal("a park returned without a signal")
		default:
		}
		require.True(t, w.signal())
		require.True(t, <-out)
	}
	t.Logf("signal won %d times, abandon %d times", won[true], won[false])
}
