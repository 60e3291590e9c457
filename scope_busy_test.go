package isolate

// Tests of Busy, the scope of callback frameworks, whose members join idle
// (JoinIdle: member_test.go) and run only inside their callbacks: a busy
// scope runs the member until its End, waits as the end of the scope it
// leaves would (held back by pending requests, until they are granted or
// give up), and changes nothing in a member that runs already. Grace
// periods against busy scopes are in grace_busy_test.go, Busy under load in
// torture_busy_test.go. Focused tests, as helpers_test.go describes.

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
)

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

// A pending full request holds back a callback member's Busy (it waits as
// the end of an idle scope); when the request gives up, the Busy runs at
// once, and a later full isolation waits for that busy member.
func TestBusyHeldByFullRequestThatGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		runner := iso.JoinIdle()
		b1 := runner.Busy() // runs: blocks the full request
		ctx, cancel := context.WithCancel(context.Background())
		full := goOp(func() {
			if _, err := iso.IsolateFullContext(ctx); !errors.Is(err, context.Canceled) {
				panic(err)
			}
		})
		full.blocked(t, "IsolateFull while a member is busy")
		a := newActor(t)
		cb := iso.JoinIdle()
		var b2 Scope
		busy := a.start(func() { b2 = cb.Busy() })
		busy.blocked(t, "Busy while a full request is pending")
		cancel()
		full.wait(t, "IsolateFullContext after cancel")
		busy.wait(t, "Busy after the full request gave up")
		// Both members run: a full isolation waits for both.
		var release func()
		f2 := isolateOp(iso.IsolateFull, &release)
		f2.blocked(t, "IsolateFull while two members are busy")
		b1.End()
		f2.blocked(t, "IsolateFull while one member is busy")
		a.do(t, "Busy End (never blocks)", func() { b2.End() })
		f2.wait(t, "IsolateFull once both are idle")
		release()
		runner.Leave()
		a.do(t, "Leave", cb.Leave)
	})
}

// The same while a plain isolation is in progress: the member whose Busy
// waits stays held until the plain isolation ends, not longer.
func TestBusyHeldByPlainThenFullGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		runner := iso.Join()
		sc := runner.Harmless() // a plain isolation may run, not a full one
		release := iso.Isolate()
		ctx, cancel := context.WithCancel(context.Background())
		full := goOp(func() { _, _ = iso.IsolateFullContext(ctx) })
		full.blocked(t, "IsolateFull behind a plain isolation")
		a := newActor(t)
		cb := iso.JoinIdle()
		var b Scope
		busy := a.start(func() { b = cb.Busy() })
		busy.blocked(t, "Busy inside an isolation")
		cancel()
		full.wait(t, "IsolateFullContext after cancel")
		busy.blocked(t, "Busy while the plain isolation goes on")
		release()
		busy.wait(t, "Busy after the release")
		sc.End() // nothing pending: does not block
		if _, ok := iso.TryIsolate(); ok {
			t.Fatal("TryIsolate succeeded while a member is busy")
		}
		a.do(t, "Busy End", func() { b.End() })
		r, ok := iso.TryIsolate()
		if ok {
			t.Fatal("TryIsolate succeeded while the runner runs")
		}
		_ = r
		runner.Leave()
		r, ok = iso.TryIsolate()
		if !ok {
			t.Fatal("TryIsolate failed with only an idle member")
		}
		r()
		a.do(t, "Leave", cb.Leave)
	})
}
