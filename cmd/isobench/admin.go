package main

import (
	"sync/atomic"
	"time"
)

// admin is the goroutine that changes or dumps the table every interval,
// alternately, and times each operation from its request until the
// implementation lets members run again.
type admin struct {
	quit chan struct{}
	done chan []timed
}

// timed is one admin operation: when it started and how long it took.
type timed struct {
	at time.Time
	d  time.Duration
}

func startAdmin(g guard, every time.Duration, torn *atomic.Uint64) *admin {
	a := &admin{quit: make(chan struct{}), done: make(chan []timed)}
	go func() {
		var ops []timed
		tick := time.NewTicker(every)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case <-a.quit:
				a.done <- ops
				return
			case <-tick.C:
			}
			write := i%2 == 0
			at := time.Now()
			g.admin(write, func(t *table) {
				if write {
					t.mutate()
				} else if _, ok := t.dump(); !ok {
					torn.Add(1)
				}
			})
			ops = append(ops, timed{at, time.Since(at)})
		}
	}()
	return a
}

// stop stops the admin and returns the latencies of the operations that
// started within [from, to).
func (a *admin) stop(from, to time.Time) []time.Duration {
	close(a.quit)
	var in []time.Duration
	for _, op := range <-a.done {
		if !op.at.Before(from) && op.at.Before(to) {
			in = append(in, op.d)
		}
	}
	return in
}
