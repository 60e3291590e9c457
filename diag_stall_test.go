package isolate

// Tests of stall reports on isolation requests (StallReport, OnStall,
// StallAfter): what a report says (requester, blockers, holder, its
// String), that reports go to log/slog by default and hold up no grant,
// that a lasting stall is reported again at doubling intervals, that
// requests waiting together are each reported on their own schedule, and
// Do's reports. The tests wait for reports on an OnStall channel and assert
// what they say, never on how many came beyond "more than one" (but in a
// testing/synctest bubble, whose clock is exact: there, when each came).
//
// Elsewhere: who the requester is in diag_requester_test.go, where a
// blocker's goroutine waits (goroutine dumps) in diag_dump_test.go, reports
// of held isolations in diag_held_test.go, of grace periods in
// diag_grace_test.go, reports under load in diag_load_test.go, leak reports
// in diag_leak_test.go. The helpers that the diag_ files share (reportSink,
// awaitReport, drain, bare, names) are here.

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reportSink returns an Isolator with a short StallAfter whose reports go
// to the returned channel, which is large enough that OnStall never blocks
// in these tests.
func reportSink(after time.Duration) (*Isolator, chan StallReport) {
	reports := make(chan StallReport, 1024)
	return &Isolator{StallAfter: after, OnStall: func(r StallReport) {
		select {
		case reports <- r:
		default: // the test stopped reading: drop it
		}
	}}, reports
}

// awaitReport returns the first report for which ok holds, failing the
// test after a generous timeout.
func awaitReport(t *testing.T, reports chan StallReport, what string, ok func(StallReport) bool) StallReport {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case r := <-reports:
			if ok(r) {
				return r
			}
		case <-timeout:
			t.Fatalf("no stall report: %s", what)
			return StallReport{}
		}
	}
}

// A stall that lasts is reported more than once, each report with the
// total wait so far; Stats counts it once.
func TestLastingStallIsReportedAgain(t *testing.T) {
	iso, reports := reportSink(40 * time.Millisecond)
	m := iso.JoinNamed("stuck")
	ctx, cancel := context.WithTimeout(context.Background(), 700*time.Millisecond)
	defer cancel()
	_, err := iso.IsolateContext(ctx) // waits for m, on m's own goroutine
	require.ErrorIs(t, err, context.DeadlineExceeded)
	m.Leave()

	var got []StallReport
	for len(reports) > 0 {
		got = append(got, <-reports)
	}
	require.Greater(t, len(got), 1, "a 700 ms stall with StallAfter 40 ms is reported more than once")
	for i, r := range got {
		assert.Equal(t, i+1, r.Count)
		assert.GreaterOrEqual(t, r.Waited, 40*time.Millisecond)
		if i > 0 {
			assert.Greater(t, r.Waited, got[i-1].Waited, "the total wait grows")
			assert.Contains(t, r.String(), "(report ")
		}
	}
	st := iso.Stats()
	assert.Equal(t, uint64(1), st.Stalls, "one stall, however often reported")
	assert.Zero(t, st.Requests)
}

// The intervals between reports double, from StallAfter up to a minute;
// each report has the whole wait so far.
func TestStallReportIntervalsDouble(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iso, reports := reportSink(time.Second)
		m := iso.JoinNamed("stuck")
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { _, err := iso.IsolateContext(ctx); done <- err }()
		time.Sleep(200 * time.Second)
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
		m.Leave()
		var waited []time.Duration
		for len(reports) > 0 {
			waited = append(waited, (<-reports).Waited)
		}
		s := time.Second
		assert.Equal(t, []time.Duration{s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 124 * s, 184 * s}, waited,
			"doubling intervals, capped at a minute")
	})
}

// A report on many members lists the first few in its one line.
func TestStallReportStringListsAFew(t *testing.T) {
	r := StallReport{Kind: StallIsolation}
	for i := range 20 {
		r.Blockers = append(r.Blockers, MemberInfo{Name: fmt.Sprint("m", i), Slot: i})
	}
	s := r.String()
	assert.Contains(t, s, "m15 (running) and 4 more")
	assert.NotContains(t, s, "m16")
}

// Kinds print as the words reports use.
func TestStallKindStrings(t *testing.T) {
	assert.Equal(t, "isolation", StallIsolation.String())
	assert.Equal(t, "full isolation", StallFullIsolation.String())
	assert.Equal(t, "grace period", StallGracePeriod.String())
	assert.Equal(t, "held isolation", StallHeldIsolation.String())
	assert.Equal(t, "join", StallJoin.String())
	assert.Equal(t, "StallKind(9)", StallKind(9).String())
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
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_stall_test.go"), "the outsider's call site: %+v", r.Requester.Caller)
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
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_stall_test.go"), "the member's call site: %+v", r.Requester.Caller)
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

// A combiner that waits long is reported like any isolation request, at
// the call site of its Do.
func TestDoStallReportNamesCallSite(t *testing.T) {
	reports := make(chan StallReport, 4)
	iso := &Isolator{StallAfter: 20 * time.Millisecond, OnStall: func(r StallReport) { reports <- r }}
	stuck := iso.JoinNamed("stuck")
	done := make(chan struct{})
	go func() {
		iso.Do(func() {})
		done <- struct{}{}
	}()
	r := <-reports
	assert.Nil(t, r.Requester.Member, "an outsider asked")
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_stall_test.go"), "the outsider's Do: %+v", r.Requester.Caller)
	stuck.Leave()
	<-done
	stuck = iso.JoinNamed("stuck")
	go func() {
		m := iso.JoinNamed("writer")
		m.Do(func() {})
		m.Leave()
		done <- struct{}{}
	}()
	r = <-reports
	require.NotNil(t, r.Requester.Member)
	assert.Equal(t, "writer", r.Requester.Member.Name)
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_stall_test.go"), "the member's Do: %+v", r.Requester.Caller)
	stuck.Leave()
	<-done
}

// A stallSeen is when a report came and when the wait it reports began,
// both since the test's bubble began.
type stallSeen struct{ at, start time.Duration }

// stallSchedule runs steps in a testing/synctest bubble, with an Isolator
// (StallAfter 1 s) that a named member keeps from granting any isolation
// until steps returns, and returns the reports that came. steps makes
// requests with wait: an outsider's IsolateContext that gives up after d,
// and whose error goes to the returned channel.
func stallSchedule(t *testing.T, steps func(wait func(d time.Duration) chan error)) []stallSeen {
	var got []stallSeen
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		var mu sync.Mutex
		iso := &Isolator{StallAfter: time.Second, OnStall: func(r StallReport) {
			mu.Lock()
			defer mu.Unlock()
			at := time.Since(t0)
			got = append(got, stallSeen{at, at - r.Waited})
		}}
		m := iso.JoinNamed("stuck")
		steps(func(d time.Duration) chan error {
			ctx, cancel := context.WithTimeout(context.Background(), d)
			done := make(chan error, 1)
			go func() { defer cancel(); _, err := iso.IsolateContext(ctx); done <- err }()
			return done
		})
		m.Leave()
		synctest.Wait()
	})
	return got
}

// Requests that wait at once share one timer (an episode of waits): each is
// reported on its own schedule, from its own start; and a wait of a later
// episode is reported too.
func TestStallReportsOfRequestsWaitingTogether(t *testing.T) {
	s, half := time.Second, time.Second/2
	got := stallSchedule(t, func(wait func(time.Duration) chan error) {
		first := wait(4*s + half)
		time.Sleep(half)
		second := wait(4*s + s/4) // till 4.75 s: after its report at 4.5 s
		require.ErrorIs(t, <-first, context.DeadlineExceeded)
		require.ErrorIs(t, <-second, context.DeadlineExceeded)
		time.Sleep(10 * s) // nothing waits: no report meanwhile
		third := wait(s + half)
		require.ErrorIs(t, <-third, context.DeadlineExceeded)
	})
	third := 14*s + 3*s/4 // the third waits from 14.75 s
	assert.ElementsMatch(t, []stallSeen{
		{s, 0}, {2 * s, 0}, {4 * s, 0}, // the first: 1, 2, 4 s into its wait
		{s + half, half}, {2*s + half, half}, {4*s + half, half}, // the second, from 0.5 s
		{third + s, third}, // the third, alone in its episode
	}, got)
}

// Outside a bubble, the episodes' timer is kept and re-armed: a wait after
// an earlier episode ended is reported, as its first report. Each round's
// requester is a member of its own, so that a report of an earlier round,
// sent as its wait ended, is told apart.
func TestStallReportAfterEarlierEpisode(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	m := iso.JoinNamed("stuck")
	defer m.Leave()
	for round := range 3 {
		name := fmt.Sprintf("round %d", round)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			w := iso.JoinNamed(name)
			defer w.Leave()
			_, err := w.IsolateContext(ctx)
			done <- err
		}()
		r := awaitReport(t, reports, name, func(r StallReport) bool {
			return r.Requester.Member != nil && r.Requester.Member.Name == name
		})
		assert.Equal(t, 1, r.Count, "%s: a new wait's first report", name)
		cancel()
		require.ErrorIs(t, <-done, context.Canceled)
	}
}

// A request that starts to wait while the episode's timer is armed for a
// later report (another request's, at doubled intervals) is reported at its
// own first report: the timer fires earlier (in a bubble, a new timer).
func TestStallReportOfRequestJoiningLate(t *testing.T) {
	s := time.Second
	got := stallSchedule(t, func(wait func(time.Duration) chan error) {
		first := wait(10*s + s/2) // reported at 1, 2, 4, 8 s
		time.Sleep(5 * s)         // the timer is armed for 8 s
		second := wait(2*s + s/2)
		require.ErrorIs(t, <-second, context.DeadlineExceeded)
		require.ErrorIs(t, <-first, context.DeadlineExceeded)
	})
	assert.ElementsMatch(t, []stallSeen{
		{s, 0}, {2 * s, 0}, {4 * s, 0}, {8 * s, 0}, // the first
		{6 * s, 5 * s}, {7 * s, 5 * s}, // the second, from 5 s
	}, got)
}
