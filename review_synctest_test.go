package isolate

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// A package-level Isolator used from testing/synctest bubbles, one after the
// other, as a package's tests would (the Isolator outlives each bubble).

var reviewPkgIso Isolator

var (
	reviewHeldMu      sync.Mutex
	reviewHeldReports []StallReport
)

var reviewHeldIso = Isolator{OnStall: func(r StallReport) {
	reviewHeldMu.Lock()
	reviewHeldReports = append(reviewHeldReports, r)
	reviewHeldMu.Unlock()
}}

// reviewHoldOnce makes a member of iso be held back by an outsider's
// isolation for hold (fake time), then lets it go and leaves; it returns
// whether the held member's End was blocked meanwhile.
func reviewHoldOnce(t *testing.T, iso *Isolator, hold time.Duration) {
	t.Helper()
	joined := make(chan Member)
	endNow := make(chan struct{})
	ended := make(chan struct{})
	go func() {
		m := iso.Join()
		sc := m.Harmless()
		joined <- m
		<-endNow
		sc.End() // held while the isolation runs: waits on its slot
		m.Leave()
		close(ended)
	}()
	<-joined
	release := iso.Isolate()
	close(endNow)
	synctest.Wait()
	select {
	case <-ended:
		t.Fatal("the member's End returned inside an isolation")
	default:
	}
	time.Sleep(hold)
	release()
	<-ended
}

// Each bubble holds a member back on a package-level Isolator. The
// member's slot keeps the channel its waiter parks on (wait.go, arm makes
// it once): made in the first bubble, it is used in the second.
func TestReviewPackageIsolatorInTwoBubbles(t *testing.T) {
	for i := range 3 {
		ok := t.Run("bubble", func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				reviewHoldOnce(t, &reviewPkgIso, time.Millisecond)
			})
		})
		if !ok {
			t.Fatalf("bubble %d failed", i)
		}
	}
}

// Held-isolation reports on a package-level Isolator: a first bubble holds
// a member briefly (no report due), so that the held timer is left armed
// in a bubble that ends; a second bubble, starting at the same fake time,
// holds a member for 5s: a report is due.
func TestReviewHeldReportInSecondBubble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reviewHoldOnce(t, &reviewHeldIso, 10*time.Millisecond)
	})
	// Keep the first bubble's slot (its waiter's channel belongs to that
	// bubble: see TestReviewPackageIsolatorInTwoBubbles) out of the way.
	pin := reviewHeldIso.JoinIdle()
	defer pin.Leave()
	synctest.Test(t, func(t *testing.T) {
		reviewHeldMu.Lock()
		reviewHeldReports = nil
		reviewHeldMu.Unlock()
		reviewHoldOnce(t, &reviewHeldIso, 5*time.Second)
		synctest.Wait()
		reviewHeldMu.Lock()
		defer reviewHeldMu.Unlock()
		found := false
		for _, r := range reviewHeldReports {
			if r.Kind == StallHeldIsolation {
				found = true
			}
		}
		if !found {
			t.Errorf("a member held 5s (StallAfter 1s) was never reported; reports: %v", reviewHeldReports)
		}
	})
}
