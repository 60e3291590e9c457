package main

import (
	"sync/atomic"
	"testing"
	"time"
)

func TestPollSourceStops(t *testing.T) {
	var stop atomic.Bool
	s := &source{stop: &stop, gen: events{seed: 1, n: 3}}
	a, ok1 := s.next()
	b, ok2 := s.next()
	if !ok1 || !ok2 || a.events != 3 || a.seed == b.seed {
		t.Fatalf("batches %+v %+v", a, b)
	}
	stop.Store(true)
	if _, ok := s.next(); ok {
		t.Fatal("a stopped source made a batch")
	}
}

// A fed source delivers its feeder's batches until the feeder quits.
func TestFedSourceEndsWithItsFeeder(t *testing.T) {
	ch, quit := make(chan batch), make(chan struct{})
	go feed(ch, 5, 1, quit)
	s := &source{ch: ch}
	if b, ok := s.next(); !ok || b.events != 5 {
		t.Fatalf("batch %+v, %v", b, ok)
	}
	close(quit)
	for {
		if _, ok := s.next(); !ok {
			return // the feeder closed the channel
		}
	}
}

// A sleeping source sleeps its first, then its usual time before a batch.
func TestSleepSource(t *testing.T) {
	var stop atomic.Bool
	s := &source{timer: time.NewTimer(time.Hour), sleep: 20 * time.Millisecond, first: time.Millisecond,
		stop: &stop, gen: events{n: 1}}
	if d := s.sleepFor(); d != time.Millisecond {
		t.Errorf("first sleep %v", d)
	}
	if d := s.sleepFor(); d != 20*time.Millisecond {
		t.Errorf("later sleep %v", d)
	}
	start := time.Now()
	if _, ok := s.next(); !ok {
		t.Fatal("no batch")
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("batch after %v, before the sleep ended", d)
	}
	stop.Store(true)
	if _, ok := s.next(); ok {
		t.Fatal("a stopped source made a batch")
	}
}
