package isolate

// Tests of held-isolation reports (StallHeldIsolation): an isolation held
// while members or Joins wait to run is reported, naming the holder and the
// waiters (a callback member's Busy among them) and the call site of an
// unnamed Join; no report comes after the wait ended; a member held late
// in a hold episode leaves its reports' schedule as it was, and a later
// episode is reported anew.

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A member joined idle isolates from idle (no busy scope) and holds the
// isolation too long; a callback member's Busy waits meanwhile. The held
// report names the holder, isolated, and the waiting callback member; the
// Busy returns once the isolation is released, and no report comes after
// the wait ended.
func TestHeldReportOfBusyWaiter(t *testing.T) {
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

// An isolation held while members wait to run, and a Join waiting for it,
// are reported, naming the holder and the waiters.
func TestHeldIsolationIsReported(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	m := iso.JoinNamed("ends-a-scope")
	sc := m.Harmless()
	release := iso.Isolate() // held long: the mistake
	ended := make(chan struct{})
	go func() { sc.End(); close(ended) }() // handed on while harmless: held
	eventually(t, func() bool { return iso.Stats().Held == 1 }, "member held")

	r := awaitReport(t, reports, "held isolation", func(r StallReport) bool { return r.Kind == StallHeldIsolation })
	require.NotNil(t, r.Holder)
	assert.Nil(t, r.Holder.Member, "an outsider holds it")
	require.Len(t, r.Waiters, 1)
	require.NotNil(t, r.Waiters[0].Member)
	assert.Equal(t, "ends-a-scope", r.Waiters[0].Member.Name)
	assert.GreaterOrEqual(t, r.Waited, 20*time.Millisecond)
	assert.Contains(t, r.String(), "isolation held by outsider has kept 1 waiting for ")
	assert.Contains(t, r.String(), "waiting: member ends-a-scope")

	joined := make(chan Member)
	go func() { joined <- iso.JoinNamed("late") }()
	r = awaitReport(t, reports, "join", func(r StallReport) bool { return r.Kind == StallJoin })
	require.NotNil(t, r.Requester.Member)
	assert.Equal(t, "late", r.Requester.Member.Name)
	assert.False(t, r.WaitsForItself)
	assert.ElementsMatch(t, []string{"ends-a-scope", "late"}, []string{r.Waiters[0].Member.Name, r.Waiters[1].Member.Name})
	assert.Contains(t, r.String(), "Join by member late")
	assert.Contains(t, r.String(), "for the isolation held by outsider")
	assert.Equal(t, 2, iso.Stats().Held)
	assert.GreaterOrEqual(t, iso.Stats().Stalls, uint64(1))

	release()
	<-ended
	(<-joined).Leave()
	m.Leave()
}

// An unnamed Join behind a held isolation is reported with its call site.
func TestUnnamedJoinBehindHeldIsolationIsReported(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	release := iso.Isolate() // held long: the mistake
	joined := make(chan Member)
	go func() { joined <- iso.Join() }()
	r := awaitReport(t, reports, "unnamed join", func(r StallReport) bool { return r.Kind == StallJoin })
	assert.Nil(t, r.Requester.Member, "the goroutine that joins is no member")
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_held_test.go"), "Join's call site: %+v", r.Requester.Caller)
	require.Len(t, r.Waiters, 1)
	assert.Equal(t, "member-0", r.Waiters[0].Member.Name)
	assert.Contains(t, r.String(), "Join by outsider at ")
	release()
	(<-joined).Leave()
}

// A member held late in a hold episode, while the episode's timer is armed
// for a later report (at doubling intervals), changes nothing in the
// schedule: the reports are due by the first member's wait, and counted on.
func TestHeldReportOfMemberHeldLate(t *testing.T) {
	type seen struct {
		at      time.Duration // since the test began
		count   int
		waiters int
	}
	synctest.Test(t, func(t *testing.T) {
		t0 := time.Now()
		var mu sync.Mutex
		var got []seen
		iso := &Isolator{StallAfter: time.Second, OnStall: func(r StallReport) {
			mu.Lock()
			defer mu.Unlock()
			if r.Kind == StallHeldIsolation {
				got = append(got, seen{time.Since(t0), r.Count, len(r.Waiters)})
			}
		}}
		end := []chan struct{}{make(chan struct{}), make(chan struct{})}
		for _, e := range end {
			m := iso.Join()
			sc := m.Harmless()
			go func() { <-e; sc.End(); m.Leave() }() // held while the isolation runs
		}
		release := iso.Isolate()
		close(end[0])
		time.Sleep(5 * time.Second) // reported at 1, 2 and 4 s; armed for 8 s
		close(end[1])
		time.Sleep(5*time.Second + time.Second/2)
		release()
		synctest.Wait()
		s := time.Second
		assert.Equal(t, []seen{{s, 1, 1}, {2 * s, 2, 1}, {4 * s, 3, 1}, {8 * s, 4, 2}}, got)
	})
}

// Outside a bubble, the hold episodes' timer is kept and re-armed: a hold
// after an earlier episode ended is reported, as its first report. Each
// round's held member has a name of its own, so that a report of an
// earlier round is told apart.
func TestHeldReportAfterEarlierEpisode(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	for round := range 3 {
		name := fmt.Sprintf("round %d", round)
		m := iso.JoinNamed(name)
		sc := m.Harmless()
		release := iso.Isolate()
		ended := make(chan struct{})
		go func() { sc.End(); close(ended) }() // handed on while harmless: held
		r := awaitReport(t, reports, name, func(r StallReport) bool {
			return r.Kind == StallHeldIsolation && len(r.Waiters) == 1 &&
				r.Waiters[0].Member != nil && r.Waiters[0].Member.Name == name
		})
		assert.Equal(t, 1, r.Count, "%s: a new hold's first report", name)
		release()
		<-ended
		m.Leave()
	}
}
