package isolate

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventually waits for cond, failing the test after a generous timeout.
func eventually(t *testing.T, cond func() bool, what string) {
	t.Helper()
	require.Eventually(t, cond, 5*time.Second, time.Millisecond, what)
}

func TestBlockersNamesRunningMembers(t *testing.T) {
	var iso Isolator
	busy := iso.JoinNamed("busy")
	calm := iso.JoinNamed("calm")
	endCalm := calm.Harmless()
	anon := iso.Join()
	endAnon := anon.Idle()

	assert.Empty(t, iso.Blockers(), "no request waits")
	granted := make(chan func())
	go func() { granted <- iso.Isolate() }()
	eventually(t, func() bool { return len(iso.Blockers()) == 1 }, "request queued")
	assert.Equal(t, []string{"busy"}, iso.Blockers())
	st := iso.Stats()
	assert.Equal(t, 3, st.Members)
	assert.Equal(t, 1, st.Waiting)

	busy.Leave()
	release := <-granted
	assert.Empty(t, iso.Blockers())
	release()
	endCalm()
	endAnon()
	calm.Leave()
	anon.Leave()

	st = iso.Stats()
	assert.Equal(t, 0, st.Members)
	assert.Equal(t, uint64(1), st.Isolations)
	assert.Equal(t, uint64(1), st.Waited)
	assert.Positive(t, st.MaxWait)
	assert.Equal(t, st.MaxWait, st.TotalWait)
}

func TestBlockersForFullIsolation(t *testing.T) {
	var iso Isolator
	m := iso.JoinNamed("mid-job")
	end := m.Harmless()
	idle := iso.Join()
	endIdle := idle.Idle()

	granted := make(chan func())
	go func() { granted <- iso.IsolateFull() }()
	eventually(t, func() bool { return len(iso.Blockers()) == 1 }, "full request queued")
	assert.Equal(t, []string{"mid-job"}, iso.Blockers(), "harmless but not idle blocks a full isolation")
	end()
	endM := m.Idle()
	release := <-granted
	release()
	endM()
	endIdle()
	m.Leave()
	idle.Leave()
	assert.Equal(t, uint64(1), iso.Stats().FullIsolations)
}

func TestStallReportNamesBlockerAndHolder(t *testing.T) {
	reports := make(chan StallReport, 4)
	iso := &Isolator{StallAfter: 20 * time.Millisecond, OnStall: func(r StallReport) { reports <- r }}
	stuck := iso.JoinNamed("stuck")
	m := iso.JoinNamed("waiter")
	endM := m.Harmless()

	granted := make(chan func())
	go func() { granted <- iso.Isolate() }()
	r := <-reports
	assert.Equal(t, []string{"stuck"}, r.Blockers)
	assert.Contains(t, r.Requester, "outsider at ")
	assert.Contains(t, r.Requester, "observe_test.go")
	assert.Empty(t, r.Holder)
	assert.GreaterOrEqual(t, r.Waited, 20*time.Millisecond)

	stuck.Leave()
	release := <-granted

	// A member waiting for an outsider's isolation names it as holder.
	go func() { granted <- m.Isolate() }()
	r = <-reports
	assert.Equal(t, "waiter", r.Requester)
	assert.Contains(t, r.Holder, "outsider at ")
	release()
	(<-granted)()
	endM()
	m.Leave()
	select {
	case r := <-reports:
		t.Fatalf("a request was reported twice: %+v", r)
	default:
	}
}

func TestLeakedMemberIsReported(t *testing.T) {
	reports := make(chan StallReport, 1)
	iso := &Isolator{StallAfter: 50 * time.Millisecond, OnStall: func(r StallReport) { reports <- r }}
	func() {
		iso.JoinNamed("forgotten") // dropped without Leave, running
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := iso.IsolateContext(ctx)
		done <- err
	}()
	r := <-reports
	require.Len(t, r.Blockers, 1)
	// The stall ran a collection half-way; the cleanup may lag behind it.
	eventually(t, func() bool {
		runtime.GC()
		return iso.Stats().Leaked == 1
	}, "leak detected")
	assert.Equal(t, []string{"forgotten (leaked: unreachable without Leave)"}, iso.Blockers())
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, uint64(1), iso.Stats().Abandoned)
}

func TestLeftMemberIsNotReportedLeaked(t *testing.T) {
	var iso Isolator
	func() { iso.Join().Leave() }()
	var reused atomic.Pointer[Member]
	reused.Store(iso.Join()) // takes the same slot
	runtime.GC()
	runtime.GC()
	time.Sleep(10 * time.Millisecond)
	assert.Zero(t, iso.Stats().Leaked)
	reused.Load().Leave()
}

func TestDisableLeakCheck(t *testing.T) {
	iso := &Isolator{DisableLeakCheck: true}
	func() { iso.JoinNamed("forgotten") }()
	for range 3 {
		runtime.GC()
	}
	time.Sleep(10 * time.Millisecond) // cleanups, had there been any, run now
	assert.Zero(t, iso.Stats().Leaked)
	assert.Equal(t, []string(nil), iso.Blockers())
}
