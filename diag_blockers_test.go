package isolate

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
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

// bare returns mis without what tells where their goroutines are, which
// tests cannot know in advance.
func bare(mis []MemberInfo) []MemberInfo {
	var out []MemberInfo
	for _, mi := range mis {
		mi.Goroutine, mi.WaitReason, mi.Stack = 0, "", nil
		out = append(out, mi)
	}
	return out
}

// names returns the names of mis.
func names(mis []MemberInfo) []string {
	var ns []string
	for _, mi := range mis {
		ns = append(ns, mi.Name)
	}
	return ns
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

func TestStallReportNamesBlockerAndHolder(t *testing.T) {
	reports := make(chan StallReport, 64)
	iso := &Isolator{StallAfter: 20 * time.Millisecond, OnStall: func(r StallReport) { reports <- r }}
	stuck := iso.JoinNamed("stuck")
	m := iso.JoinNamed("waiter")
	endM := m.Harmless()

	granted := make(chan func())
	go func() { granted <- iso.Isolate() }()
	r := <-reports
	assert.Equal(t, []string{"stuck"}, names(r.Blockers))
	assert.Nil(t, r.Requester.Member, "an outsider asked")
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_blockers_test.go"), "the outsider's call site: %+v", r.Requester.Caller)
	assert.Contains(t, r.String(), "requested by outsider at ")
	assert.Contains(t, r.String(), "blocked by stuck (running; joined on goroutine ")
	assert.Nil(t, r.Holder)
	assert.GreaterOrEqual(t, r.Waited, 20*time.Millisecond)
	assert.Equal(t, StallIsolation, r.Kind)
	assert.False(t, r.WaitsForItself)

	stuck.Leave()
	release := <-granted
	drain(reports)

	// A member waiting for an outsider's isolation names it as holder.
	go func() { granted <- m.Isolate() }()
	r = <-reports
	require.NotNil(t, r.Requester.Member)
	assert.Equal(t, "waiter", r.Requester.Member.Name)
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_blockers_test.go"), "the member's call site: %+v", r.Requester.Caller)
	require.NotNil(t, r.Holder)
	assert.Nil(t, r.Holder.Member)
	assert.Contains(t, r.String(), "held by outsider")
	release()
	(<-granted)()
	endM.End()
	m.Leave()
}

// drain empties reports.
func drain(reports chan StallReport) {
	for len(reports) > 0 {
		<-reports
	}
}

// Stall reports are on by default: without OnStall they go to log/slog's
// default logger, once per stalled request, naming requester, blockers and
// the usual causes. A negative StallAfter turns them off.
func TestStallReportsAreLoggedByDefault(t *testing.T) {
	var buf syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)

	run := func(iso *Isolator, name string) {
		m := iso.JoinNamed(name)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := iso.IsolateContext(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		m.Leave()
	}
	run(&Isolator{StallAfter: 20 * time.Millisecond}, "blocks-outside-harmless")
	out := buf.String()
	assert.Contains(t, out, "isolate: isolation stalled")
	assert.Contains(t, out, "level=WARN")
	assert.Contains(t, out, `blockers="[blocks-outside-harmless (running; joined on goroutine `)
	// run's goroutine is the member: it isolates through the Isolator.
	assert.Contains(t, out, `requester="member blocks-outside-harmless (running`)
	assert.Contains(t, out, `waits_for_itself="a member isolates with m.Isolate()`)
	assert.Contains(t, out, "outside a Harmless scope")

	// A report made as the first wait ended may be logged late: the
	// second run's member has a name of its own.
	run(&Isolator{StallAfter: -1}, "reports-off")
	assert.NotContains(t, buf.String(), "reports-off", "StallAfter < 0 turns reports off")
}

// syncBuffer is a bytes.Buffer safe for a logger on another goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b.Reset()
}

// A stall report neither forces a garbage collection nor waits for OnStall:
// the isolation is granted while OnStall still runs.
func TestStallReportDoesNotHoldUpTheGrant(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // only forced GCs run
	var stats runtime.MemStats
	runtime.ReadMemStats(&stats)
	gcs := stats.NumGC

	inOnStall := make(chan struct{})
	stuck := make(chan struct{})
	defer close(stuck)
	iso := &Isolator{StallAfter: 10 * time.Millisecond, OnStall: func(StallReport) {
		close(inOnStall)
		<-stuck // a slow report sink
	}}
	m := iso.Join()
	granted := make(chan func())
	go func() { granted <- iso.Isolate() }()
	<-inOnStall
	m.Leave()
	(<-granted)() // while OnStall still blocks

	runtime.ReadMemStats(&stats)
	assert.Equal(t, gcs, stats.NumGC, "a stall report forced a garbage collection")
}

// Rule 4's Join case: a harmless member waits for a goroutine that is about
// to Join; a pending full isolation holds the Join back, and the harmless
// member blocks the full isolation. The stall report names that member.
func TestStallReportNamesHarmlessMemberWaitingForAJoin(t *testing.T) {
	reports := make(chan StallReport, 1)
	iso := &Isolator{StallAfter: 20 * time.Millisecond, OnStall: func(r StallReport) { reports <- r }}
	waiter := iso.JoinNamed("waits-for-a-joiner")
	end := waiter.Harmless()

	ctx, cancel := context.WithCancel(context.Background())
	abandoned := make(chan error)
	go func() {
		_, err := iso.IsolateFullContext(ctx)
		abandoned <- err
	}()
	waitQueued(t, iso, 0, 1)
	joined := make(chan struct{})
	go func() {
		m := iso.JoinNamed("joiner") // held while the full request waits
		close(joined)
		m.Leave()
	}()
	r := <-reports
	assert.Equal(t, StallFullIsolation, r.Kind)
	assert.Equal(t, []MemberInfo{{Name: "waits-for-a-joiner", Slot: 0, State: StateHarmless}}, bare(r.Blockers))
	select {
	case <-joined:
		t.Fatal("Join returned while a full isolation was requested")
	default:
	}
	cancel() // the way out: give up the full isolation
	require.ErrorIs(t, <-abandoned, context.Canceled)
	<-joined
	end.End()
	waiter.Leave()
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
