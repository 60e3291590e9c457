package isolate

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
)

// A pending full request holds back a callback member's Busy (it waits as
// the end of an idle scope); when the request gives up, the Busy runs at
// once, and a later full isolation waits for that busy member.
func TestReviewBusyHeldByFullRequestThatGivesUp(t *testing.T) {
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
func TestReviewBusyHeldByPlainThenFullGivesUp(t *testing.T) {
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
