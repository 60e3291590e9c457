package main

import (
	"sync/atomic"
	"time"
)

// The admin changes the table or dumps it ("show fd"), alternately, every
// interval, and times each operation from its request until the
// implementation lets members run again. It runs either as a goroutine of
// its own, an outsider, or inside one member's loop, as HAProxy's CLI runs
// as a task of one of its threads: a loop that never blocks leaves a
// goroutine of its own no processor until the scheduler preempts the loop,
// every 10 ms or so.

// timed is one admin operation: when it started and how long it took.
type timed struct {
	at time.Time
	d  time.Duration
}

// within returns the latencies of the operations that started within
// [from, to).
func within(ops []timed, from, to time.Time) []time.Duration {
	var in []time.Duration
	for _, op := range ops {
		if !op.at.Before(from) && op.at.Before(to) {
			in = append(in, op.d)
		}
	}
	return in
}

// outsider is an admin goroutine of its own.
type outsider struct {
	quit chan struct{}
	done chan []timed
}

func startOutsider(g guard, every time.Duration, torn *atomic.Uint64) *outsider {
	a := &outsider{quit: make(chan struct{}), done: make(chan []timed)}
	change, dump := adminOps(torn)
	go func() {
		var ops []timed
		tick := time.NewTicker(every)
		defer tick.Stop()
		for write := true; ; write = !write {
			select {
			case <-a.quit:
				a.done <- ops
				return
			case <-tick.C:
			}
			op := dump
			if write {
				op = change
			}
			at := time.Now()
			g.admin(write, op)
			ops = append(ops, timed{at, time.Since(at)})
		}
	}()
	return a
}

// stop stops the admin and returns its operations.
func (a *outsider) stop() []timed {
	close(a.quit)
	return <-a.done
}

// duty is the admin's work inside a member's loop: the member calls due
// after every batch, and the operation runs as an exclusive section of
// that member.
type duty struct {
	every time.Duration
	// check is how many batches go by between two looks at the clock.
	check        int
	batches      int
	next         time.Time
	write        bool
	change, dump func(*table)
	ops          []timed
	// now is the clock: time.Now, but for tests.
	now func() time.Time
}

func newDuty(every time.Duration, check int, torn *atomic.Uint64) *duty {
	d := &duty{every: every, check: check, next: time.Now().Add(every), write: true, now: time.Now}
	d.change, d.dump = adminOps(torn)
	return d
}

// due runs the next operation through member m if its time has come.
func (d *duty) due(m member) {
	if d.batches++; d.batches < d.check {
		return
	}
	d.batches = 0
	at := d.now()
	if at.Before(d.next) {
		return
	}
	d.next = at.Add(d.every) // late ticks are dropped, as a Ticker's are
	op := d.dump
	if d.write {
		op = d.change
	}
	m.exclusive(d.write, op)
	d.ops = append(d.ops, timed{at, d.now().Sub(at)})
	d.write = !d.write
}
