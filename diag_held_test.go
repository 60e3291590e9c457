package isolate

import (
	"testing"
	"testing/synctest"
	"time"
)

// A member joined idle isolates from idle (no busy scope) and holds the
// isolation too long; a callback member's Busy waits meanwhile. The held
// report names the holder, isolated, and the waiting callback member; the
// Busy returns once the isolation is released, and no report comes after
// the wait ended.
func TestReviewHeldReportOfBusyWaiter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iso, reports := reportSink(time.Second)
		owner := iso.JoinIdleNamed("owner")
		release := owner.Isolate()
		if !owner.Isolated() {
			t.Fatal("not isolated")
		}
		cb := iso.JoinIdleNamed("cb")
		busy := goOp(func() { b := cb.Busy(); b.End() })
		busy.blocked(t, "Busy inside someone else's isolation")
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		var r StallReport
		select {
		case r = <-reports:
		default:
			t.Fatal("no held report after 1.5s")
		}
		if r.Kind != StallHeldIsolation {
			t.Fatalf("kind %v, want held isolation: %v", r.Kind, r)
		}
		if r.Holder == nil || r.Holder.Member == nil || r.Holder.Member.Name != "owner" || r.Holder.Member.State != StateIsolated {
			t.Errorf("holder %v, want owner isolated", r.Holder)
		}
		if len(r.Waiters) != 1 || r.Waiters[0].Member == nil || r.Waiters[0].Member.Name != "cb" {
			t.Errorf("waiters %v, want cb", r.Waiters)
		}
		release()
		busy.wait(t, "Busy after the release")
		time.Sleep(10 * time.Minute) // any timer left fires now
		synctest.Wait()
		select {
		case r := <-reports:
			t.Errorf("a report after the wait ended: %v", r)
		default:
		}
		if owner.Isolated() {
			t.Error("still isolated after release")
		}
		cb.Leave()
		owner.Leave()
	})
}
