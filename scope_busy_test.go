package isolate

import (
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// JoinIdle and Busy: the join and the scope of callback frameworks, whose
// members start idle and run only inside their callbacks.

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

// A busy scope runs the member: isolations wait for its End, which puts it
// back idle, and a full isolation passes it then.
func TestBusyRunsUntilEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.joinIdle(t, &iso)
		isolatesAtOnce(t, &iso, "TryIsolate with an idle-joined member")

		var sc Scope
		a.do(t, "Busy", func() { sc = m.Busy() })
		_, ok := iso.TryIsolate()
		assert.False(t, ok, "TryIsolate while the member is busy")
		var rel func()
		o := isolateOp(iso.IsolateFull, &rel)
		o.blocked(t, "full isolation while the member is busy")
		a.do(t, "End", sc.End)
		o.wait(t, "full isolation once the busy scope ended")
		rel()

		// Once more, with a Harmless scope and an isolation inside.
		var h Scope
		a.do(t, "Busy, Harmless inside", func() { sc = m.Busy(); h = m.Harmless() })
		a.endWaitsOut(t, iso.Isolate, h.End, "the busy member is harmless")
		a.do(t, "own isolation inside Busy", func() { m.Isolate()() })
		a.do(t, "End", sc.End)
		isolatesAtOnce(t, &iso, "TryIsolate after the second busy scope")
		a.do(t, "Leave", m.Leave)
	})
}

// Busy opened while idle waits as the end of an idle scope does, for any
// isolation in progress or requested; opened in a harmless scope, as the
// end of a harmless scope does; and its End never waits.
func TestBusyWaitsAsTheScopeEndItLeaves(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m := a.join(t, &iso)
		runner := b.join(t, &iso) // keeps a full request pending

		var full func()
		req := isolateOp(iso.IsolateFull, &full)
		waitQueued(t, &iso, 0, 1)

		// From a harmless scope: a pending full request does not hold it.
		var h, sc Scope
		a.do(t, "Harmless", func() { h = m.Harmless() })
		a.do(t, "Busy in Harmless, a full request pending", func() { sc = m.Busy() })
		a.do(t, "End", sc.End)
		// From an idle scope it does.
		var idle Scope
		a.do(t, "end Harmless, open Idle", func() { h.End(); idle = m.Idle() })
		busy := a.start(func() { sc = m.Busy() })
		busy.blocked(t, "Busy in Idle, a full request pending")
		b.do(t, "the runner leaves", runner.Leave)
		req.wait(t, "the full request")
		full()
		busy.wait(t, "Busy after the release")
		a.do(t, "End", sc.End)

		// An isolation in progress holds both; End never waits.
		a.do(t, "end Idle, open Harmless", func() { idle.End(); h = m.Harmless() })
		var rel func()
		isolateOp(iso.Isolate, &rel).wait(t, "isolation while the member is harmless")
		busy = a.start(func() { sc = m.Busy() })
		busy.blocked(t, "Busy in Harmless during an isolation")
		rel()
		busy.wait(t, "Busy after the release")
		fo := isolateOp(iso.IsolateFull, &full)
		fo.blocked(t, "full isolation while the member is busy in a harmless scope")
		a.do(t, "End: harmless again", sc.End)
		fo.blocked(t, "full isolation while the member is harmless")
		a.do(t, "end Harmless", h.End)
		a.do(t, "Leave", m.Leave)
		fo.wait(t, "full isolation after Leave")
		full()
		isolatesAtOnce(t, &iso)
	})
}

// Busy in a running member, or in its own isolated section, changes
// nothing, and neither does its End.
func TestBusyInsideRunningChangesNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		m := iso.Join()
		sc := m.Busy()
		_, ok := iso.TryIsolate()
		assert.False(t, ok, "TryIsolate while the member runs in Busy")
		sc.End()
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "TryIsolate after Busy ended in a running member")

		for _, open := range []func(Member) Scope{Member.Harmless, Member.Idle} {
			outer := open(m)
			rel := m.Isolate()
			word := m.mb.word.load()
			inner := m.Busy()
			assert.Equal(t, word, m.mb.word.load(), "Busy in the own section changed the word")
			assert.True(t, m.Isolated())
			inner.End()
			assert.Equal(t, word, m.mb.word.load(), "End of Busy in the own section changed the word")
			rel()
			outer.End()
		}
		m.Leave()
		isolatesAtOnce(t, &iso)
	})
}

// A grace period waits for a busy member, and ends with its End, which
// counts an idle entry; an idle-joined member is not waited for.
func TestGraceWaitsForBusyMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.joinIdle(t, &iso)
		goOp(iso.Synchronize).wait(t, "Synchronize with an idle-joined member")

		var sc Scope
		a.do(t, "Busy", func() { sc = m.Busy() })
		sync1 := goOp(iso.Synchronize)
		sync1.blocked(t, "Synchronize while the member is busy")
		a.do(t, "End", sc.End)
		sync1.wait(t, "Synchronize after the busy scope ended")

		// A busy scope inside an idle scope: the same.
		var idle Scope
		a.do(t, "Idle, Busy", func() { idle = m.Idle(); sc = m.Busy() })
		sync2 := goOp(iso.Synchronize)
		sync2.blocked(t, "Synchronize while busy in an idle scope")
		a.do(t, "End", sc.End)
		sync2.wait(t, "Synchronize after the busy scope in Idle ended")
		a.do(t, "end Idle, Leave", func() { idle.End(); m.Leave() })
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

// joinIdle makes the actor a member of iso, idle, as JoinIdle does.
func (a *actor) joinIdle(t *testing.T, iso *Isolator) Member {
	t.Helper()
	var m Member
	a.do(t, "JoinIdle", func() { m = iso.JoinIdle() })
	return m
}
