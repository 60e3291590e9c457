package main

import (
	"runtime"
	"testing"
	"time"
)

// A pool that reuses a config without waiting until no worker holds it is
// caught: requests see weights of two generations. (A pool that rewrote
// the map under the workers would be caught by the runtime, fatally.)
func TestSaturatedBrokenPoolIsCaught(t *testing.T) {
	if raceEnabled {
		t.Skip("the broken pool races by design")
	}
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: requests and changes may never overlap")
	}
	pools["broken"] = func() pool { return new(brokenPool) }
	guards = append(guards, implementation{name: "broken", doc: "no protection",
		new: func(t *table, _ int) guard { return brokenGuard{t} }})
	defer func() {
		delete(pools, "broken")
		guards = guards[:len(guards)-1]
	}()
	p := shortParams("saturated", "broken", "")
	p.reads, p.adminEvery, p.duration = 4096, 50*time.Microsecond, 500*time.Millisecond
	// A machine busy with other work may keep the admin and the workers
	// apart for a whole run: a few runs before calling it uncaught.
	for range 4 {
		if m := measure(p, nil); m.torn > 0 {
			return
		}
	}
	t.Error("no torn request seen in 4 runs with a pool that reuses configs at once")
}

// brokenPool excludes workers from the rewrite, but refills the config it
// replaced at once, under workers that may still read it, several times a
// tick.
type brokenPool struct{ rwmutexPool }

func (p *brokenPool) tick(s *service) {
	p.mu.Lock()
	s.rewrite()
	p.mu.Unlock()
	for range 8 {
		s.spare = s.publish()
	}
}
