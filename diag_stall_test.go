package isolate

// Stall reports: where a blocking member's goroutine waits, who asks (a
// member that asks through the Isolator waits for itself), lasting stalls
// reported again, isolations held while members wait, and the isolated
// state. Every test waits for reports on an OnStall channel and asserts
// what they say, never on how many came beyond "more than one".

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"slices"
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

// blockInReceive runs a named member that blocks, running, in a channel
// receive until stop is closed.
func blockInReceive(iso *Isolator, joined chan<- struct{}, stop <-chan struct{}) {
	m := iso.JoinNamed("receiver")
	defer m.Leave()
	close(joined)
	<-stop // the mistake: a blocking call outside a Harmless scope
}

func blockInSelect(iso *Isolator, joined chan<- struct{}, stop <-chan struct{}) {
	m := iso.JoinNamed("selector")
	defer m.Leave()
	never := make(chan int)
	close(joined)
	select {
	case <-stop:
	case <-never:
	}
}

func blockOnMutex(iso *Isolator, joined chan<- struct{}, stop <-chan struct{}) {
	var mu sync.Mutex
	mu.Lock()
	go func() { <-stop; mu.Unlock() }()
	m := iso.JoinNamed("locker")
	defer m.Leave()
	close(joined)
	mu.Lock()
}

func blockInSleep(iso *Isolator, joined chan<- struct{}, stop <-chan struct{}) {
	m := iso.JoinNamed("sleeper")
	defer m.Leave()
	close(joined)
	for {
		select {
		case <-stop:
			return
		default:
			time.Sleep(5 * time.Millisecond) // reports catch it asleep, mostly
		}
	}
}

func blockInRead(iso *Isolator, joined chan<- struct{}, stop <-chan struct{}) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer ln.Close()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		panic(err)
	}
	go func() { <-stop; conn.Close() }()
	m := iso.JoinNamed("reader")
	defer m.Leave()
	close(joined)
	conn.Read(make([]byte, 1)) // nothing comes until stop closes it
}

func TestStallReportShowsWhereBlockerWaits(t *testing.T) {
	for _, c := range []struct {
		name, member, reason, function string
		run                            func(*Isolator, chan<- struct{}, <-chan struct{})
	}{
		{"receive", "receiver", "chan receive", ".blockInReceive", blockInReceive},
		{"select", "selector", "select", ".blockInSelect", blockInSelect},
		{"mutex", "locker", "sync.Mutex.Lock", ".blockOnMutex", blockOnMutex},
		{"sleep", "sleeper", "sleep", ".blockInSleep", blockInSleep},
		{"read", "reader", "IO wait", ".blockInRead", blockInRead},
	} {
		t.Run(c.name, func(t *testing.T) {
			iso, reports := reportSink(20 * time.Millisecond)
			joined, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
			go func() { c.run(iso, joined, stop); close(done) }()
			<-joined
			ctx, cancel := context.WithCancel(context.Background())
			abandoned := make(chan error)
			go func() { _, err := iso.IsolateContext(ctx); abandoned <- err }()

			r := awaitReport(t, reports, "blocked "+c.name, func(r StallReport) bool {
				return len(r.Blockers) == 1 && r.Blockers[0].WaitReason == c.reason
			})
			b := r.Blockers[0]
			assert.Equal(t, c.member, b.Name)
			assert.Equal(t, StateRunning, b.State)
			assert.NotZero(t, b.Goroutine)
			require.NotEmpty(t, b.Stack)
			i := slices.IndexFunc(b.Stack, func(f runtime.Frame) bool { return strings.HasSuffix(f.Function, c.function) })
			require.GreaterOrEqual(t, i, 0, "the member's function among the top frames: %+v", b.Stack)
			top := b.Stack[i]
			assert.True(t, strings.HasSuffix(top.Function, c.function), "top frame: %+v", top)
			assert.True(t, strings.HasSuffix(top.File, "diag_stall_test.go"), "top frame: %+v", top)
			assert.Positive(t, top.Line)
			assert.Contains(t, r.String(), c.member+" (running; joined on goroutine ")
			assert.Contains(t, r.String(), ": "+c.reason+" in ")
			assert.Contains(t, r.String(), c.function+" at ")
			assert.Nil(t, r.Requester.Member, "an outsider asked")
			assert.False(t, r.WaitsForItself)

			close(stop)
			<-done
			cancel()
			// Granted once the member left, or abandoned: either way over.
			if err := <-abandoned; err == nil {
				t.Log("granted before the cancel")
			}
		})
	}
}

// askCases are the requests that a goroutine makes through the Isolator,
// each with the kind of report it stalls as.
var askCases = []struct {
	name string
	kind StallKind
	ask  func(context.Context, *Isolator) error
}{
	{"Isolate", StallIsolation, func(ctx context.Context, iso *Isolator) error {
		_, err := iso.IsolateContext(ctx)
		return err
	}},
	{"IsolateFull", StallFullIsolation, func(ctx context.Context, iso *Isolator) error {
		_, err := iso.IsolateFullContext(ctx)
		return err
	}},
	{"Synchronize", StallGracePeriod, func(ctx context.Context, iso *Isolator) error {
		return iso.SynchronizeContext(ctx)
	}},
}

// A member's goroutine that asks through the Isolator is the report's
// requester, and the report says it waits for itself.
func TestStallReportFindsMemberAskingThroughIsolator(t *testing.T) {
	for _, c := range askCases {
		t.Run(c.name, func(t *testing.T) {
			iso, reports := reportSink(20 * time.Millisecond)
			other := iso.JoinNamed("other") // idle: blocks nothing
			idle := other.Idle()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() {
				m := iso.JoinNamed("worker-1")
				defer m.Leave()
				done <- c.ask(ctx, iso) // the mistake: through the Isolator
			}()
			r := awaitReport(t, reports, "self-wait", func(r StallReport) bool { return r.Requester.Member != nil })
			assert.Equal(t, c.kind, r.Kind)
			assert.Equal(t, "worker-1", r.Requester.Member.Name)
			assert.True(t, r.WaitsForItself)
			assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_stall_test.go"), "call site: %+v", r.Requester.Caller)
			assert.Equal(t, []string{"worker-1"}, names(r.Blockers))
			assert.Contains(t, r.String(), "requested by member worker-1 (running")
			assert.Contains(t, r.String(), "it waits for itself")
			cancel()
			require.ErrorIs(t, <-done, context.Canceled)
			idle.End()
			other.Leave()
		})
	}
}

// A member that asks through the Isolator from a harmless scope is still
// the requester; a plain request does not wait for it.
func TestStallReportNamesHarmlessMemberAsRequester(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	joined, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { blockInReceive(iso, joined, stop); close(done) }()
	<-joined
	asked := make(chan func())
	go func() {
		m := iso.JoinNamed("asker")
		defer m.Leave()
		sc := m.Harmless()
		release := iso.Isolate() // through the Isolator, but harmless
		asked <- release
		<-asked
		sc.End()
	}()
	r := awaitReport(t, reports, "harmless asker", func(r StallReport) bool { return r.Requester.Member != nil })
	assert.Equal(t, "asker", r.Requester.Member.Name)
	assert.Equal(t, StateHarmless, r.Requester.Member.State)
	assert.False(t, r.WaitsForItself, "a plain request does not wait for a harmless member")
	assert.Equal(t, []string{"receiver"}, names(r.Blockers))
	close(stop)
	<-done
	release := <-asked
	release()
	asked <- nil
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
	assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_stall_test.go"), "Join's call site: %+v", r.Requester.Caller)
	require.Len(t, r.Waiters, 1)
	assert.Equal(t, "member-0", r.Waiters[0].Member.Name)
	assert.Contains(t, r.String(), "Join by outsider at ")
	release()
	(<-joined).Leave()
}

// A member whose goroutine joins again inside its own isolation waits for
// itself: a deadlock, reported as such.
func TestJoinInsideOwnIsolationIsReported(t *testing.T) {
	joinInsideOwnIsolation(t, func(iso *Isolator) Member { return iso.JoinNamed("worker-1") }, "worker-1")
}

// joinInsideOwnIsolation runs a member, joined by join and named name in
// reports, whose goroutine joins again inside its own isolation, and checks
// the report of the deadlock.
func joinInsideOwnIsolation(t *testing.T, join func(*Isolator) Member, name string) {
	t.Helper()
	iso, reports := reportSink(20 * time.Millisecond)
	handoff := make(chan func())
	left := make(chan struct{})
	go func() {
		m := join(iso)
		release := m.Isolate()
		handoff <- release  // so that the test can end the deadlock
		other := iso.Join() // the mistake: waits for m's own isolation
		other.Leave()
		m.Leave()
		close(left)
	}()
	release := <-handoff
	r := awaitReport(t, reports, "join in own isolation", func(r StallReport) bool { return r.Kind == StallJoin })
	require.NotNil(t, r.Requester.Member)
	assert.Equal(t, name, r.Requester.Member.Name)
	assert.Equal(t, StateIsolated, r.Requester.Member.State)
	assert.True(t, r.WaitsForItself)
	require.NotNil(t, r.Holder)
	require.NotNil(t, r.Holder.Member)
	assert.Equal(t, name, r.Holder.Member.Name)
	assert.Contains(t, r.String(), "it waits for itself")
	release() // the member's goroutine no longer touches m until Join returns
	<-left
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

// A member handed to another goroutine is reported on the goroutine that
// joined it, which says so rather than guess.
func TestHandedOnMemberSaysWhereItJoined(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	handed := make(chan Member)
	go func() {
		m := iso.JoinNamed("handed")
		sc := m.Idle()
		sc.End()
		handed <- m // this goroutine exits; the member goes on elsewhere
	}()
	m := <-handed
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { _, err := iso.IsolateContext(ctx); done <- err }()
	r := awaitReport(t, reports, "handed-on blocker", func(r StallReport) bool { return len(r.Blockers) == 1 })
	assert.Equal(t, "exited", r.Blockers[0].WaitReason)
	assert.Contains(t, r.Blockers[0].String(), "which has exited: the member was handed on")
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	m.Leave()
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

// Goroutine headers as the runtime prints them, with the extra words of
// GOTRACEBACK=system and the durations of long waits.
func TestParseGoroutineHeader(t *testing.T) {
	for _, c := range []struct {
		line   string
		id     uint64
		reason string
	}{
		{"goroutine 1 [running]:", 1, "running"},
		{"goroutine 42 [chan receive, 3 minutes]:", 42, "chan receive"},
		{"goroutine 7 gp=0xc000007c00 m=nil [select, locked to thread]:", 7, "select"},
		{"goroutine 9 [sync.Mutex.Lock]:", 9, "sync.Mutex.Lock"},
		{"created by main.main in goroutine 1", 0, ""},
		{"goroutine x [running]:", 0, ""},
	} {
		id, reason := parseHeader([]byte(c.line))
		assert.Equal(t, c.id, id, c.line)
		assert.Equal(t, c.reason, reason, c.line)
	}
	assert.Equal(t, goroutineID(), goroutineID())
	assert.NotZero(t, goroutineID())
}
