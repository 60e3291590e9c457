package isolate

// A torture test of callback members: exclusion and grace periods under
// Busy/JoinIdle, mixed with every other way in and out of running: Join,
// Harmless, Idle, Poll, member and outsider isolations (plain, full, try,
// context), Leave and rejoin, Synchronize and Defer.
//
// The torture_ files hold random-load tests that mix several behaviours and
// check invariants throughout (TestTorture, race_test.go, is the main one);
// a stress test of one behaviour stays in the file of that behaviour.

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

type busyObj struct {
	freed atomic.Bool
}

type busyWorld struct {
	iso Isolator
	// running counts members in running sections; refs those that may hold
	// references (running or harmless inside a running section).
	running, refs atomic.Int64
	shared        int // written only isolated, read by running members
	cur           atomic.Pointer[busyObj]
	errs          chan string
}

func (w *busyWorld) fail(format string, args ...any) {
	select {
	case w.errs <- fmt.Sprintf(format, args...):
	default:
	}
}

// section is a running member's stretch of work: reads the shared value and
// checks that the object it loaded is not freed until it lets go of it.
func (w *busyWorld) section(m Member, r *rand.Rand) {
	w.sectionIn(m, r, true)
}

// sectionIn is section, with full isolations only if mayFull is set: not
// in a busy scope opened in a harmless scope, where IsolateFull panics
// (the member may hold references).
func (w *busyWorld) sectionIn(m Member, r *rand.Rand, mayFull bool) {
	w.running.Add(1)
	w.refs.Add(1)
	_ = w.shared // a data race if an isolation writes meanwhile
	o := w.cur.Load()
	if o.freed.Load() {
		w.fail("loaded an object already freed")
	}
	k := r.IntN(7)
	if k == 3 && !mayFull {
		k = 2
	}
	switch k {
	case 0:
		w.running.Add(-1)
		sc := m.Harmless() // may hold o: a grace period waits
		sc.End()
		w.running.Add(1)
	case 1:
		w.running.Add(-1)
		m.Poll()
		w.running.Add(1)
	case 2: // a member's plain isolation
		w.running.Add(-1)
		release := m.Isolate()
		if n := w.running.Load(); n != 0 {
			w.fail("member isolation: %d members running", n)
		}
		w.shared++
		release()
		w.running.Add(1)
	case 3: // a member's full isolation (drops its reference first)
		if o.freed.Load() {
			w.fail("object freed while held (before IsolateFull)")
		}
		w.running.Add(-1)
		w.refs.Add(-1)
		release := m.IsolateFull()
		if n, h := w.running.Load(), w.refs.Load(); n != 0 || h != 0 {
			w.fail("member full isolation: %d running, %d holding", n, h)
		}
		w.shared++
		release()
		w.refs.Add(1)
		w.running.Add(1)
		o = w.cur.Load()
	case 4: // nested Busy inside a running member changes nothing
		sc := m.Busy()
		_ = w.shared
		sc.End()
	case 5: // a member's try, or a request that may give up
		w.running.Add(-1)
		var release func()
		if r.IntN(2) == 0 {
			release, _ = m.TryIsolate()
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(30))*time.Microsecond)
			release, _ = m.IsolateContext(ctx)
			cancel()
		}
		if release != nil {
			if n := w.running.Load(); n != 0 {
				w.fail("member try/context isolation: %d members running", n)
			}
			w.shared++
			release()
		}
		w.running.Add(1)
	}
	if o.freed.Load() {
		w.fail("object freed while a member held it (grace period too short)")
	}
	_ = w.shared
	w.refs.Add(-1)
	w.running.Add(-1)
}

func (w *busyWorld) worker(stop *atomic.Bool, seed uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	r := rand.New(rand.NewPCG(seed, 7))
	m := w.iso.JoinIdle()
	for !stop.Load() {
		switch r.IntN(6) {
		case 5: // hand the idle member to another goroutine and back
			back := make(chan Member)
			go func(m Member) {
				sc := m.Busy()
				w.section(m, rand.New(rand.NewPCG(seed, 11)))
				sc.End()
				back <- m
			}(m)
			m = <-back
		case 0: // leave and come back idle, sometimes from inside a Busy
			if r.IntN(2) == 0 {
				sc := m.Busy()
				w.section(m, r)
				m.Leave()
				sc.End() // a no-op once: Leave ended it
			} else {
				m.Leave()
			}
			m = w.iso.JoinIdle()
		case 1: // Busy inside Harmless of a running member
			m.Leave()
			m = w.iso.Join()
			w.section(m, r)
			sc := m.Harmless()
			b := m.Busy()
			w.sectionIn(m, r, false)
			b.End()
			sc.End()
			id := m.Idle()
			b = m.Busy()
			w.section(m, r)
			b.End()
			id.End()
			w.section(m, r)
			m.Leave()
			m = w.iso.JoinIdle()
		default:
			sc := m.Busy()
			w.section(m, r)
			sc.End()
		}
	}
	m.Leave()
}

func (w *busyWorld) isolator(stop *atomic.Bool, seed uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	r := rand.New(rand.NewPCG(seed, 9))
	for !stop.Load() {
		var release func()
		full := false
		switch r.IntN(6) {
		case 0:
			release = w.iso.Isolate()
		case 1:
			release, full = w.iso.IsolateFull(), true
		case 2:
			var ok bool
			if release, ok = w.iso.TryIsolate(); !ok {
				continue
			}
		case 3:
			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(r.IntN(50))*time.Microsecond)
			release, _ = w.iso.IsolateFullContext(ctx)
			cancel()
			if release == nil {
				continue
			}
			full = true
		case 4: // retire the object after a grace period
			next := &busyObj{}
			old := w.cur.Swap(next)
			w.iso.Synchronize()
			old.freed.Store(true)
			continue
		case 5:
			next := &busyObj{}
			old := w.cur.Swap(next)
			w.iso.Defer(func() { old.freed.Store(true) })
			continue
		}
		if n := w.running.Load(); n != 0 {
			w.fail("isolation (full %v): %d members running", full, n)
		}
		if h := w.refs.Load(); full && h != 0 {
			w.fail("full isolation: %d members holding references", h)
		}
		w.shared++
		release()
	}
}

func TestBusyExclusionAndGraceStress(t *testing.T) {
	d := 300 * time.Millisecond
	if testing.Short() {
		d = 50 * time.Millisecond
	}
	w := &busyWorld{errs: make(chan string, 1)}
	w.iso.StallAfter = -1
	w.cur.Store(&busyObj{})
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go w.worker(&stop, uint64(i), &wg)
	}
	for i := range 2 {
		wg.Add(1)
		go w.isolator(&stop, uint64(i), &wg)
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	barrierWithin(t, &w.iso, 10*time.Second)
	select {
	case e := <-w.errs:
		t.Fatal(e)
	default:
	}
	release, ok := w.iso.TryIsolate()
	if !ok {
		t.Fatal("TryIsolate fails after every member left")
	}
	release()
}
