package isolate

// Tests of grace-period stall reports (StallGracePeriod): a Synchronize or a
// batch of deferred funcs that waits long is reported, naming the members it
// waits for and its caller, again while it waits; a report that races with
// the grace period's end names no member that has been idle since.

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGraceStallReport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reports := make(chan StallReport, 64)
		iso := Isolator{StallAfter: time.Second, OnStall: func(r StallReport) { reports <- r }}
		a := newActor(t)
		m := a.join(t, &iso)
		b := newActor(t)
		var named Member
		b.do(t, "JoinNamed", func() { named = iso.JoinNamed("stuck") })
		a.do(t, "A Idle", func() { m.Idle() })

		sync := goOp(func() { iso.Synchronize() })
		time.Sleep(2 * time.Second)
		var r StallReport
		select {
		case r = <-reports:
		default:
			t.Fatal("no stall report")
		}
		assert.Equal(t, StallGracePeriod, r.Kind)
		assert.Nil(t, r.Holder)
		assert.Nil(t, r.Requester.Member)
		assert.Contains(t, r.Requester.Caller.File, "diag_grace_test.go", "the caller of Synchronize")
		require.Len(t, r.Blockers, 1)
		assert.Equal(t, "stuck", r.Blockers[0].Name)
		assert.Equal(t, StateRunning, r.Blockers[0].State)
		assert.Contains(t, r.String(), "grace period requested by outsider at ")

		assert.Equal(t, 1, r.Count)
		r = <-reports // the Synchronize goes on waiting: reported again
		assert.Equal(t, 2, r.Count)
		assert.Equal(t, 2*time.Second, r.Waited)

		syncLine := r.Requester.Caller.Line
		iso.Defer(func() {})
		time.Sleep(2 * time.Second)
		deferred := false
		for len(reports) > 0 {
			r = <-reports
			assert.Equal(t, StallGracePeriod, r.Kind)
			assert.Contains(t, r.Requester.Caller.File, "diag_grace_test.go")
			deferred = deferred || r.Requester.Caller.Line != syncLine
		}
		assert.True(t, deferred, "the deferred funcs' grace period is reported, with the caller of Defer")

		b.do(t, "Leave", named.Leave)
		sync.wait(t, "Synchronize")
		a.do(t, "A Leave", m.Leave)
		synctest.Wait()
		assert.Zero(t, iso.Stats().DeferredPending)
		assert.Equal(t, uint64(2), iso.Stats().Stalls, "two waits stalled, each counted once")
		for len(reports) > 0 { // made while the waits went on
			<-reports
		}
		time.Sleep(time.Minute)
		assert.Empty(t, reports, "no report after the waits ended")
	})
}

// A grace period's stall report that races with the grace period's end
// must not report a stall with no blockers: every member it names must not
// have been idle since, and a report with none describes a grace period
// that was over.
func TestGraceStallReportRacesCompletion(t *testing.T) {
	var iso Isolator
	iso.StallAfter = 200 * time.Microsecond
	var mu sync.Mutex
	var empty, reports int
	iso.OnStall = func(r StallReport) {
		mu.Lock()
		defer mu.Unlock()
		if r.Kind == StallGracePeriod {
			reports++
			if len(r.Blockers) == 0 {
				empty++
			}
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			defer m.Leave()
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for !stop.Load() {
				until := time.Now().Add(time.Duration(150+rng.IntN(100)) * time.Microsecond)
				for time.Now().Before(until) {
				}
				m.Idle().End()
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		iso.Synchronize()
	}
	stop.Store(true)
	wg.Wait()
	time.Sleep(10 * time.Millisecond) // reports in flight
	mu.Lock()
	defer mu.Unlock()
	t.Logf("grace stall reports: %d, without blockers: %d", reports, empty)
	if empty > 0 {
		t.Errorf("%d of %d grace stall reports name no blocker: made after the grace period was over", empty, reports)
	}
}
