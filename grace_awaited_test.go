package isolate

// Tests of what a grace period asks of the members it waits for: the
// awaited flag, which sends their scope ends to a slow path that takes no
// Isolator lock, and the yield bit (gateYield); neither holds a member
// back, and both go when the grace period ends or gives up.

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

// A Synchronize parked on a running member asks members ending idle scopes
// to yield (gateYield): they yield and run on, held by nobody, and the bit
// goes when the grace period ends, or is abandoned, leaving no trace.
func TestGraceYieldHoldsNobody(t *testing.T) {
	for _, abandon := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			var iso Isolator
			a, b := newActor(t), newActor(t)
			busy, other := a.join(t, &iso), b.join(t, &iso)
			var idle Scope
			b.do(t, "other Idle", func() { idle = other.Idle() })

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			sync := goOp(func() { _ = iso.SynchronizeContext(ctx) })
			sync.blocked(t, "Synchronize while a member runs")
			assert.True(t, iso.gate.load().yield(), "a parked Synchronize asks for yields")

			// The other member ends its idle scope: it yields and runs
			// on, twice (the second time without yielding).
			b.do(t, "other ends idle (yields)", func() { idle.End() })
			b.do(t, "other idle again", func() { other.Idle().End() })
			sync.blocked(t, "Synchronize still waits for the busy member")

			if abandon {
				cancel()
			} else {
				a.do(t, "busy goes idle", func() { busy.Idle().End() })
			}
			sync.wait(t, "Synchronize")
			assert.Zero(t, iso.gate.load(), "the gate after the grace period")
			a.do(t, "Leave", busy.Leave)
			b.do(t, "Leave", other.Leave)
		})
	}
}

// The awaited flag sends a member's scope end to a slow path that takes no
// Isolator lock (grace.go, point 4): here mu is held by the test, as a
// schedule or a Stats call would hold it, and the awaited member's scope
// end must not wait for it, as no isolation is in progress or requested.
// (It did: the slow path always went on to Isolator.resumeSlow.)
func TestAwaitedScopeEndTakesNoIsolatorLock(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	done := make(chan struct{})
	go func() { iso.Synchronize(); close(done) }()
	for !m.mb.word.load().awaited() {
		time.Sleep(10 * time.Microsecond)
	}
	end := m.Harmless() // the flag is handed on under graceDomain.mu, not Isolator.mu
	iso.mu.Lock()
	ended := make(chan struct{})
	go func() { end.End(); close(ended) }() // m's scope end (a goroutine of its own only to observe it)
	select {
	case <-ended:
	case <-time.After(100 * time.Millisecond):
		t.Errorf("an awaited member's scope end waits for Isolator.mu (no isolation anywhere)")
	}
	iso.mu.Unlock()
	<-ended
	m.Idle().End()
	<-done
	m.Leave()
}
