package main

import (
	"sync/atomic"
	"time"
)

// How members get their events. A member waits for a batch in the way its
// implementation waits (in a harmless scope, outside the read lock, ...);
// the source says what the wait itself costs:
//
//	poll   the batch is there at once: a saturated server, whose poller
//	       returns without blocking. The wait costs next to nothing.
//	chan   the batch arrives on a channel: the member parks until another
//	       goroutine (the queue's producer, the member's own feeder, the
//	       acceptor of a request) hands it over, as the netpoller wakes a
//	       goroutine whose socket became readable.
//	sleep  the member sleeps, then makes a batch: a mostly idle
//	       connection, woken by a timer.

// A source is one member's supply of batches.
type source struct {
	// ch, when not nil, delivers the batches; it is closed at the end.
	ch <-chan batch
	// timer, when not nil, is the member's own sleep of length sleep
	// before each batch.
	timer *time.Timer
	sleep time.Duration
	// first, when not zero, replaces sleep for the first wait.
	first time.Duration
	// stop ends poll and sleep sources: set at the end of the run.
	stop *atomic.Bool
	gen  events
}

// next waits for the next batch, and reports false at the end of the run.
func (s *source) next() (batch, bool) {
	switch {
	case s.ch != nil:
		b, ok := <-s.ch
		return b, ok
	case s.timer != nil:
		s.timer.Reset(s.sleepFor())
		<-s.timer.C
	}
	return s.made()
}

// sleepFor returns how long a sleep source sleeps before its next batch.
func (s *source) sleepFor() time.Duration {
	if d := s.first; d > 0 {
		s.first = 0
		return d
	}
	return s.sleep
}

// made returns the next batch of a poll or sleep source, or false once the
// run is over.
func (s *source) made() (batch, bool) {
	if s.stop.Load() {
		return batch{}, false
	}
	return s.gen.next(), true
}

// events makes batches of n events at pseudo-random places.
type events struct {
	seed uint32
	n    int
}

func (e *events) next() batch {
	e.seed = e.seed*1664525 + 1013904223
	return batch{seed: e.seed, events: e.n}
}

// feed sends batches of n events on ch until quit is closed, then closes
// ch: the feeder of one member's event source.
func feed(ch chan<- batch, n int, seed uint32, quit <-chan struct{}) {
	defer close(ch)
	e := events{seed: seed, n: n}
	for {
		select {
		case ch <- e.next():
		case <-quit:
			return
		}
	}
}
