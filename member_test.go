package isolate

// Tests of membership: Join waits out isolations and JoinIdle never waits;
// Leave lets a waiting isolation proceed and ends the scopes left open
// (their ends become no-ops, once); Member handles (the zero Member, a
// handle used after Leave); and the hand-over of a member from goroutine
// to goroutine. Many members are in member_many_test.go, the memory they
// use in member_memory_test.go, an Isolator across synctest bubbles in
// member_bubbles_test.go; leak reports are diag_ tests. Focused tests, as
// helpers_test.go describes.

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Join never returns inside someone else's isolated section, nor while
// an isolation is requested; the new member is admitted running.
func TestJoinWaitsOutIsolations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		x := newActor(t)
		mx := x.join(t, &iso)

		// Requested, not yet granted: mx runs.
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		waitQueued(t, &iso, 1, 0)
		a := newActor(t)
		var m Member
		j := a.start(func() { m = iso.Join() })
		j.blocked(t, "Join while an isolation is requested")
		var endX func()
		x.do(t, "mx Harmless", func() { endX = mx.Harmless().End })
		o.wait(t, "isolation once mx is harmless")
		j.blocked(t, "Join during the isolated section")
		rel()
		j.wait(t, "Join after the release")

		// The new member runs: the next isolation waits for it.
		o = isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while the new member runs")
		var end func()
		a.do(t, "new member Harmless", func() { end = m.Harmless().End })
		o.wait(t, "isolation once the new member is harmless")
		rel()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
		x.do(t, "mx end and Leave", func() { endX(); mx.Leave() })
	})
}

// Leave of a member that keeps an isolation waiting lets it proceed,
// also when members in other slots still block it.
func TestLeaveOfBlockerLetsIsolationProceed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while two members run")
		a.do(t, "m1 Leave", m1.Leave)
		o.blocked(t, "isolation while m2 runs")
		b.do(t, "m2 Leave", m2.Leave)
		o.wait(t, "isolation once both left")
		rel()

		// A member isolator waits for a running member's Leave too.
		m1 = a.join(t, &iso)
		m2 = b.join(t, &iso)
		i := a.start(func() { rel = m1.Isolate() })
		i.blocked(t, "member isolation while m2 runs")
		b.do(t, "m2 Leave", m2.Leave)
		i.wait(t, "member isolation once m2 left")
		a.do(t, "release and Leave", func() { rel(); m1.Leave() })
	})
}

// JoinIdle never waits: not while an isolation is in progress, not while
// one is requested. The member it returns is idle, with no scope open:
// plain and full isolations pass it, and its Busy scope waits for them.
func TestJoinIdleNeverWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		var rel func()
		isolateOp(iso.IsolateFull, &rel).wait(t, "full isolation with no member")

		var m Member
		goOp(func() { m = iso.JoinIdleNamed("conn-1") }).wait(t, "JoinIdle during a full isolation")
		a := newActor(t)
		var sc Scope
		busy := a.start(func() { sc = m.Busy() })
		busy.blocked(t, "Busy during the isolation")
		rel()
		busy.wait(t, "Busy after the release")
		// Busy, the member blocks a request, and is named.
		o := isolateOp(iso.Isolate, &rel)
		waitQueued(t, &iso, 1, 0)
		if bl := iso.Blockers(); assert.Len(t, bl, 1) {
			assert.Equal(t, "conn-1", bl[0].Name)
		}
		a.do(t, "End, Leave", func() { sc.End(); m.Leave() })
		o.wait(t, "isolation after the busy member left")
		rel()

		// A full request pending behind a running member: JoinIdle does
		// not wait for it (Join would).
		runner := a.join(t, &iso)
		var full func()
		req := isolateOp(iso.IsolateFull, &full)
		waitQueued(t, &iso, 0, 1)
		var m2 Member
		goOp(func() { m2 = iso.JoinIdle() }).wait(t, "JoinIdle with a full request pending")
		join := goOp(func() { iso.Join().Leave() })
		join.blocked(t, "Join with a full request pending")
		a.do(t, "the runner leaves", runner.Leave)
		req.wait(t, "the full request once the runner left: the idle joiner is no obstacle")
		full()
		join.wait(t, "Join after the release")
		m2.Leave()
		isolatesAtOnce(t, &iso)
	})
}

// Leave ends an open busy scope; its End is then a no-op, once.
func TestLeaveEndsBusyScope(t *testing.T) {
	var iso Isolator
	m := iso.JoinIdle()
	sc := m.Busy()
	inner := m.Harmless()
	m.Leave()
	isolatesAtOnce(t, &iso, "TryIsolate after Leave in a busy scope")
	require.Nil(t, panicOf(sc.End), "End of a busy scope that Leave ended")
	require.Nil(t, panicOf(inner.End), "End of a harmless scope that Leave ended, out of order")
	assert.Contains(t, panicOf(sc.End), msgBusyTwice)
	assert.Contains(t, panicOf(inner.End), msgHarmlessTwice)
}

// Leave inside open harmless and idle scopes is allowed: it ends them, and
// their end funcs become no-ops (once each), in any order, even after the
// slot went to a new member.
func TestLeaveInsideOpenScopes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		m := iso.Join()
		idle := m.Idle()
		outer := m.Harmless()
		inner := m.Harmless()
		sl := m.mb.slot
		m.Leave()
		// The slot is free: an isolation proceeds at once.
		goOp(func() { iso.IsolateFull()() }).wait(t, "full isolation after Leave in scopes")

		// A new member takes the slot and runs; the stale ends must not
		// touch it.
		a := newActor(t)
		m2 := a.join(t, &iso)
		require.Same(t, sl, m2.mb.slot, "the slot is reused")
		word := m2.mb.word.load()
		require.Equal(t, modeRunning, word.mode())
		outer.End()
		idle.End()
		inner.End()
		assert.Equal(t, word, m2.mb.word.load(), "a stale end changed the new member's state")
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while the new member runs")

		// Each end was a no-op once; a second call is misuse.
		for _, e := range []struct {
			end  func()
			want string
		}{{inner.End, msgHarmlessTwice}, {outer.End, msgHarmlessTwice}, {idle.End, msgIdleTwice}} {
			p := panicOf(e.end)
			require.NotNil(t, p, "a scope ended by Leave ended twice")
			assert.Contains(t, fmt.Sprint(p), e.want)
		}
		a.do(t, "Leave", m2.Leave)
		o.wait(t, "isolation after the new member left")
		rel()

		// The deferred form: Leave runs first, the end after it.
		func() {
			m := iso.Join()
			defer m.Harmless().End()
			defer m.Leave()
		}()
		isolatesAtOnce(t, &iso)
	})
}

// TestLeaveEndsScopesDeeperThan64 is what FuzzOps's model predicts for a
// member that leaves inside more than 64 open scopes: Leave ends them all,
// and each end func then does nothing, once.
func TestLeaveEndsScopesDeeperThan64(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	ends := make([]func(), 66)
	for d := range ends {
		ends[d] = m.Harmless().End
	}
	m.Leave()
	var failed []int
	for d := len(ends) - 1; d >= 0; d-- {
		if panicked(ends[d]) != nil {
			failed = append(failed, d)
		}
	}
	if len(failed) > 0 {
		t.Errorf("after Leave, the end funcs of the scopes at depths %v panic instead of doing nothing", failed)
	}
	for d := range ends {
		if panicked(ends[d]) == nil {
			t.Errorf("the end func of depth %d, called twice after Leave, does not panic", d)
		}
	}
}

// The zero Member is no membership: every method panics, Isolated reports
// false.
func TestZeroMember(t *testing.T) {
	var m Member
	for name, use := range map[string]func(){
		"Harmless":    func() { m.Harmless() },
		"Idle":        func() { m.Idle() },
		"Poll":        m.Poll,
		"Isolate":     func() { m.Isolate() },
		"IsolateFull": func() { m.IsolateFull() },
		"TryIsolate":  func() { m.TryIsolate() },
		"Leave":       m.Leave,
	} {
		assert.Contains(t, panicOf(use), "isolate: use of the zero Member", name)
	}
	assert.False(t, m.Isolated())
}

// A handle used after Leave panics and never touches the member state it
// had, which the slot's next member reuses.
func TestDeadHandleNeverTouchesTheReusedState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		old := iso.Join()
		oldEnd := old.Harmless()
		oldEnd.End()
		state := old.mb
		old.Leave()

		a := newActor(t)
		m := a.join(t, &iso)
		require.Same(t, state, m.mb, "the state is reused")
		var end func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		before := snapshot(&iso, m)

		for name, use := range map[string]func(){
			"Harmless":   func() { old.Harmless() },
			"Idle":       func() { old.Idle() },
			"Isolate":    func() { old.Isolate() },
			"Leave":      old.Leave,
			"TryIsolate": func() { old.TryIsolate() },
		} {
			p := panicOf(use)
			assert.Contains(t, p, msgAfterLeave, name)
		}
		assert.False(t, old.Isolated())
		assert.Equal(t, before, snapshot(&iso, m), "a dead handle changed the new member's state")

		// The old membership's End, called twice, panics, even when
		// the new member has opened two scopes at its depth since.
		a.do(t, "a second scope at depth 0", func() {
			end()
			end = m.Harmless().End
		})
		before = snapshot(&iso, m)
		assert.Contains(t, panicOf(oldEnd.End), msgHarmlessTwice)
		assert.Equal(t, before, snapshot(&iso, m), "a stale end of the old membership changed the new one")

		// Poll is one load: with nothing requested it does nothing; with
		// an isolation requested it reaches its slow path, and panics
		// there.
		assert.Nil(t, panicOf(old.Poll))
		var rel func()
		isolateOp(iso.Isolate, &rel).wait(t, "isolation while the member is harmless")
		assert.Contains(t, panicOf(old.Poll), msgAfterLeave)
		rel()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// The hand-over rule: a member joined idle on one goroutine is used in
// busy scopes by several goroutines in turn, handed from one to the next
// by channel sends, while an outsider isolates and grace periods pass. The
// race detector checks that every access to the shared data is ordered
// (the member's Busy scopes against the isolated sections) and that the
// member's own state travels with the hand-overs.
func TestHandOverIdleMember(t *testing.T) {
	var iso Isolator
	shared := map[int]int{} // written by busy scopes and isolated sections
	const hops, rounds = 6, 300
	var wg sync.WaitGroup
	chans := make([]chan Member, hops+1)
	for i := range chans {
		chans[i] = make(chan Member, 1)
	}
	for i := range hops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range chans[i] {
				sc := m.Busy()
				shared[i]++
				if i%2 == 0 {
					m.Poll()
					h := m.Harmless()
					h.End()
				}
				shared[i]++
				sc.End()
				chans[i+1] <- m
			}
			close(chans[i+1])
		}()
	}
	stop := make(chan struct{})
	var admin sync.WaitGroup
	admin.Add(1)
	go func() {
		defer admin.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			rel := iso.IsolateFull()
			shared[-1] = len(shared)
			rel()
			iso.Synchronize()
		}
	}()
	m := iso.JoinIdleNamed("conn")
	for range rounds {
		chans[0] <- m
		m = <-chans[hops]
	}
	close(chans[0])
	<-chans[hops] // closed once every hop is done
	wg.Wait()
	m.Leave()
	close(stop)
	admin.Wait()
	for i := range hops {
		assert.Equal(t, 2*rounds, shared[i], "hop %d", i)
	}
}
