package isolate

// Tests of leak reports: a member that becomes garbage without Leave is
// reported, one that left is not, and DisableLeakCheck turns the check off.

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	// Found at a collection; the cleanup may lag behind it.
	eventually(t, func() bool {
		runtime.GC()
		return iso.Stats().Leaked == 1
	}, "leak detected")
	want := MemberInfo{Name: "forgotten", Slot: 0, State: StateRunning, Leaked: true}
	assert.Equal(t, []MemberInfo{want}, bare(iso.Blockers()))
	assert.Equal(t, "forgotten (running, leaked: dropped without Leave)", want.String())
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	assert.Equal(t, uint64(1), iso.Stats().Abandoned)
}

func TestLeftMemberIsNotReportedLeaked(t *testing.T) {
	var iso Isolator
	func() { iso.Join().Leave() }()
	var reused atomic.Pointer[Member]
	m := iso.Join() // takes the same slot and state
	reused.Store(&m)
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
	assert.Empty(t, iso.Blockers())
}
