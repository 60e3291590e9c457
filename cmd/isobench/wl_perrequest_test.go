package main

import (
	"sync/atomic"
	"testing"
	"time"
)

// peekGuard wraps a guard and counts the reads of requests that found the
// request there, and those that had to wait for it.
type peekGuard struct {
	guard
	ready, waited *atomic.Int64
}

func (g peekGuard) join() member { return peekMember{g.guard.join(), g} }

type peekMember struct {
	member
	g peekGuard
}

func (m peekMember) wait(s *source) (batch, bool) {
	if len(s.ch) > 0 {
		m.g.ready.Add(1)
	} else {
		m.g.waited.Add(1)
	}
	return m.member.wait(s)
}

// Every handler joins, finds its request there when it reads it in its
// wait, and leaves; at most -members are in flight.
func TestPerRequest(t *testing.T) {
	p := shortParams("perrequest", "isolate", "")
	p.members = 8
	ig := newIsolateGuard(newTable(), p.members).(*isolateGuard)
	g := peekGuard{ig, new(atomic.Int64), new(atomic.Int64)}
	h := startPerRequest(&run{p: p, g: g})
	most := 0
	for range 20 {
		most = max(most, ig.iso.Stats().Members)
		time.Sleep(time.Millisecond)
	}
	h.stop()
	ready, waited := g.ready.Load(), g.waited.Load()
	if h.jobs() == 0 || uint64(ready) != h.jobs() || waited != 0 {
		t.Errorf("%d requests done; %d were there when read, %d were waited for", h.jobs(), ready, waited)
	}
	if most > p.members {
		t.Errorf("%d members at once, more than the %d requests in flight allowed", most, p.members)
	}
	if n := ig.iso.Stats().Members; n != 0 {
		t.Errorf("%d members left joined", n)
	}
}
