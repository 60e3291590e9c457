package isolate

// Tests of exact scope ends: an End is bound to its one scope, across the
// scopes that open at its depth later and across the memberships that
// reuse its member state; a stale End panics and changes nothing,
// whichever goroutine calls it. A misuse of End that is not about staleness
// is a row of the misuse table (scope_misuse_test.go).

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A stale End of an earlier membership of the state panics, however many
// scopes the later memberships opened at its depth, and leaves their open
// scopes open.
func TestStaleEndAcrossMemberships(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		old := iso.Join()
		stale := []Scope{old.Harmless()}
		stale[0].End()
		stale = append(stale, old.Idle())
		stale[1].End()
		state := old.mb
		old.Leave()

		a := newActor(t)
		for membership := range 3 {
			var m Member
			a.do(t, "Join", func() { m = iso.Join() })
			require.Same(t, state, m.mb, "the state is reused")
			for opened := range 3 { // 0, 1 and 2 scopes at depth 0 since
				var now Scope
				a.do(t, "open", func() {
					for range opened {
						m.Harmless().End()
					}
					now = m.Harmless()
				})
				before := snapshot(&iso, m)
				for _, sc := range stale {
					p := panicOf(sc.End) // on the test goroutine: no data race
					assert.Contains(t, fmt.Sprint(p), "ended twice or out of order", "membership %d, %d scopes since", membership, opened)
					assert.Equal(t, before, snapshot(&iso, m), "a stale End changed a later membership's state")
				}
				var rel func()
				o := isolateOp(iso.Isolate, &rel)
				o.wait(t, "the later member's scope is still open: harmless")
				e := a.start(now.End)
				e.blocked(t, "its own End waits out the isolation")
				rel()
				e.wait(t, "its own End")
				stale = append(stale, now) // ended: stale from here on
			}
			a.do(t, "Leave", m.Leave)
		}
	})
}

// Stale Ends called from another goroutine while the member's goroutine
// opens and ends scopes panic every time, never end the member's scopes,
// and are no data race (run with -race).
func TestStaleEndFromAnotherGoroutine(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	first := m.Harmless()
	first.End()
	staleIdle := m.Idle()
	staleIdle.End()
	stale := make(chan Scope, 1)
	stale <- first // the send orders nothing that matters: the scope ended before

	var stop atomic.Bool
	var wg sync.WaitGroup
	var stalePanics, staleReturns atomic.Int64
	wg.Add(1)
	go func() {
		defer wg.Done()
		sc := <-stale
		for !stop.Load() {
			for _, s := range []Scope{sc, staleIdle} {
				if panicOf(s.End) == nil {
					staleReturns.Add(1)
				} else {
					stalePanics.Add(1)
				}
			}
		}
	}()
	// Until the stale Ends have been tried often enough, whatever the
	// scheduler does (bounded, should they never run).
	for i := 0; i < 1e7 && (i < 20000 || stalePanics.Load() < 20000); i++ {
		outer := m.Harmless()
		inner := m.Harmless()
		inner.End()
		outer.End()
		if i%64 == 0 {
			m.Idle().End()
		}
		if p := panicOf(func() { m.Busy().End() }); p != nil {
			t.Fatalf("the member's own End panicked: %v", p)
		}
	}
	stop.Store(true)
	wg.Wait()
	assert.Zero(t, staleReturns.Load(), "a stale End returned")
	assert.Positive(t, stalePanics.Load())
	// The member is running, with no scope open: an isolation waits.
	_, ok := iso.TryIsolate()
	assert.False(t, ok, "the member does not run")
	m.Leave()
	isolatesAtOnce(t, &iso)
}

// A stale End of a membership that Leave left with scopes open, called
// from another goroutine while later members come and go, is a no-op once,
// then panics; it never touches another member.
func TestLeaveEndedScopeFromAnotherGoroutine(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	open := m.Harmless()
	m.Leave()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 2000 {
			m := iso.JoinIdle()
			sc := m.Busy()
			m.Harmless().End()
			sc.End()
			m.Leave()
		}
	}()
	assert.Nil(t, panicOf(open.End), "the End of a scope that Leave ended")
	for range 1000 {
		assert.Contains(t, fmt.Sprint(panicOf(open.End)), msgHarmlessTwice)
	}
	wg.Wait()
	isolatesAtOnce(t, &iso)
}

// A stale End of a membership that is over, called over and over from
// another goroutine while later members reuse its state (joining, opening
// and ending scopes, leaving), panics every time and never disturbs them:
// no data race either (run with -race).
func TestStaleEndWhileTheStateIsReused(t *testing.T) {
	var iso Isolator
	old := iso.Join()
	stale := []Scope{old.Harmless()}
	stale[0].End()
	stale = append(stale, old.Idle())
	stale[1].End()
	state := old.mb
	old.Leave()

	var stop atomic.Bool
	var returned, tries atomic.Int64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			for _, sc := range stale {
				if panicOf(sc.End) == nil {
					returned.Add(1)
				}
			}
			tries.Add(1)
		}
	}()
	reused := 0
	// Until the stale Ends have been tried often enough, whatever the
	// scheduler does (bounded, should they never run).
	for i := 0; i < 1e7 && (i < 5000 || tries.Load() < 20000); i++ {
		var m Member
		if i%2 == 0 {
			m = iso.Join()
		} else {
			m = iso.JoinIdle()
		}
		if m.mb == state {
			reused++
		}
		if p := panicOf(func() {
			if i%2 == 0 { // running: scopes at depth 0 of the stale kinds
				h := m.Harmless()
				m.Harmless().End()
				h.End()
				m.Idle().End()
				return
			}
			b := m.Busy()
			m.Harmless().End()
			m.Idle().End()
			b.End()
		}); p != nil {
			t.Fatalf("a later member's End panicked: %v", p)
		}
		m.Leave()
	}
	stop.Store(true)
	wg.Wait()
	assert.Zero(t, returned.Load(), "a stale End returned")
	assert.Positive(t, reused, "no later member reused the state")
	isolatesAtOnce(t, &iso)
}
