package isolate

// Tests of Blockers and Stats: which members keep a requested isolation
// waiting, plain or full, each named once, with their state (running,
// harmless, isolated), and what Stats counts meanwhile. What stall reports
// say is in diag_stall_test.go.

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
	assert.Equal(t, []MemberInfo{{Name: "busy", Slot: 0, State: StateRunning}}, bare(iso.Blockers()))
	assert.NotZero(t, iso.Blockers()[0].Goroutine, "a named member's goroutine is known")
	st := iso.Stats()
	assert.Equal(t, 3, st.Members)
	assert.Equal(t, 1, st.Requests)
	assert.Zero(t, st.Held)

	busy.Leave()
	release := <-granted
	assert.Empty(t, iso.Blockers())
	release()
	endCalm.End()
	endAnon.End()
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
	busy := iso.Join() // slot 2, unnamed

	granted := make(chan func())
	go func() { granted <- iso.IsolateFull() }()
	eventually(t, func() bool { return len(iso.Blockers()) == 2 }, "full request queued")
	assert.Equal(t, []MemberInfo{
		{Name: "mid-job", Slot: 0, State: StateHarmless},
		{Name: "member-2", Slot: 2, State: StateRunning},
	}, bare(iso.Blockers()), "harmless but not idle blocks a full isolation, as a running member does")
	assert.Zero(t, iso.Blockers()[1].Goroutine, "an unnamed member's goroutine is not known")
	assert.Equal(t, "mid-job (harmless)", iso.Blockers()[0].String())
	busy.Leave()
	end.End()
	endM := m.Idle()
	release := <-granted
	release()
	endM.End()
	endIdle.End()
	m.Leave()
	idle.Leave()
	assert.Equal(t, uint64(1), iso.Stats().FullIsolations)
}

// A member that blocks both a plain and a full request is named once.
func TestBlockersNamesEachMemberOnce(t *testing.T) {
	var iso Isolator
	m := iso.JoinNamed("busy")
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 2)
	go func() { _, err := iso.IsolateContext(ctx); errs <- err }()
	go func() { _, err := iso.IsolateFullContext(ctx); errs <- err }()
	waitQueued(t, &iso, 1, 1)
	assert.Equal(t, []string{"busy"}, names(iso.Blockers()))
	cancel()
	require.ErrorIs(t, <-errs, context.Canceled)
	require.ErrorIs(t, <-errs, context.Canceled)
	m.Leave()
}

// A member in its own isolation shows as isolated, in Blockers and as the
// holder in reports.
func TestIsolatedMemberShowsAsIsolated(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	m := iso.JoinNamed("owner")
	release := m.Isolate()
	granted := make(chan func())
	go func() { granted <- iso.Isolate() }()
	eventually(t, func() bool { return iso.Stats().Requests == 1 }, "request queued")
	assert.Equal(t, []MemberInfo{{Name: "owner", Slot: 0, State: StateIsolated}}, bare(iso.Blockers()))
	assert.Equal(t, "isolated", StateIsolated.String())
	r := awaitReport(t, reports, "request behind a member's isolation", func(r StallReport) bool { return r.Kind == StallIsolation })
	require.NotNil(t, r.Holder)
	require.NotNil(t, r.Holder.Member)
	assert.Equal(t, StateIsolated, r.Holder.Member.State)
	assert.Contains(t, r.String(), "held by member owner (isolated")
	release()
	m.Leave() // running again, it would block the request
	(<-granted)()
}
