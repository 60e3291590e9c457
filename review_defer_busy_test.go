package isolate

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
)

// A func deferred while a callback member is busy runs only after the
// member's busy scope ends idle; a busy scope opened in a harmless scope
// ends harmless, and the func waits on until an idle entry. Funcs deferred
// while the member is idle do not wait for it.
func TestReviewDeferWaitsForBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		var cb Member
		a.do(t, "JoinIdle", func() { cb = iso.JoinIdle() })
		var early atomic.Bool
		iso.Defer(func() { early.Store(true) })
		synctest.Wait()
		if !early.Load() {
			t.Fatal("a func deferred while every member is idle did not run")
		}
		var sc Scope
		a.do(t, "Busy", func() { sc = cb.Busy() })
		var ran atomic.Int32
		iso.Defer(func() { ran.Add(1) })
		synctest.Wait()
		if ran.Load() != 0 {
			t.Fatal("a func deferred while a member is busy ran")
		}
		a.do(t, "End", func() { sc.End() })
		synctest.Wait()
		if ran.Load() != 1 {
			t.Fatal("the deferred func did not run after the busy scope ended idle")
		}

		m := b.join(t, &iso)
		var h, bb Scope
		b.do(t, "Harmless, Busy", func() { h = m.Harmless(); bb = m.Busy() })
		iso.Defer(func() { ran.Add(1) })
		b.do(t, "Busy End", func() { bb.End() })
		synctest.Wait()
		if ran.Load() != 1 {
			t.Fatal("a deferred func ran while the member is back in its harmless scope")
		}
		b.do(t, "Harmless End, Idle", func() { h.End(); m.Idle().End() })
		synctest.Wait()
		if ran.Load() != 2 {
			t.Fatal("the deferred func did not run after an idle entry")
		}
		b.do(t, "Leave", m.Leave)
		a.do(t, "Leave", cb.Leave)
	})
}
