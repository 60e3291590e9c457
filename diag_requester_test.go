package isolate

// Tests of whom a stall report names as the requester: a member that asks
// through the Isolator (named or unnamed, found by its goroutine's arch.G,
// also from a harmless or a busy scope) is the requester and waits for
// itself, a Join inside one's own isolation is a deadlock reported as such,
// and a goroutine that is no member (or joined one idle for others) asks as
// an outsider; and where a request was made, as its wait recorded it.

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/isolatekit/isolate/arch"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// skipWithoutG skips a test on ports where arch.G identifies no goroutine,
// so that only named members can be found as requesters.
func skipWithoutG(t *testing.T) {
	t.Helper()
	if arch.G() == 0 {
		t.Skip("arch.G is 0 on this port: unnamed members are not found as requesters")
	}
}

// An unnamed member's goroutine that asks through the Isolator is the
// report's requester, and the report says it waits for itself: found by
// arch.G, without a goroutine dump.
func TestStallReportFindsUnnamedMemberAskingThroughIsolator(t *testing.T) {
	skipWithoutG(t)
	for _, c := range askCases {
		t.Run(c.name, func(t *testing.T) {
			iso, reports := reportSink(20 * time.Millisecond)
			other := iso.Join() // idle, on this goroutine: blocks nothing, asks nothing
			idle := other.Idle()
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() {
				m := iso.Join() // member-1
				defer m.Leave()
				done <- c.ask(ctx, iso) // the mistake: through the Isolator
			}()
			r := awaitReport(t, reports, "self-wait", func(r StallReport) bool { return r.Requester.Member != nil })
			assert.Equal(t, c.kind, r.Kind)
			assert.Equal(t, "member-1", r.Requester.Member.Name)
			assert.Equal(t, StateRunning, r.Requester.Member.State)
			assert.True(t, r.WaitsForItself)
			assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_requester_test.go"), "call site: %+v", r.Requester.Caller) // askCases calls there
			assert.Equal(t, []string{"member-1"}, names(r.Blockers))
			assert.Contains(t, r.String(), "requested by member member-1 (running")
			assert.Contains(t, r.String(), "it waits for itself")
			cancel()
			require.ErrorIs(t, <-done, context.Canceled)
			idle.End()
			other.Leave()
		})
	}
}

// A request by a goroutine that is no member is still an outsider's, even
// while members that other goroutines joined block it.
func TestStallReportOutsiderIsNoMember(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	joined := make(chan Member)
	stop := make(chan struct{})
	go func() {
		m := iso.Join() // running: blocks the request
		joined <- m
		<-stop
		m.Leave()
	}()
	<-joined
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := iso.IsolateContext(ctx)
		done <- err
	}()
	r := awaitReport(t, reports, "outsider", func(StallReport) bool { return true })
	assert.Nil(t, r.Requester.Member)
	assert.False(t, r.WaitsForItself)
	assert.Equal(t, []string{"member-0"}, names(r.Blockers))
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	close(stop)
}

// An unnamed member whose goroutine joins again inside its own isolation
// waits for itself, and is reported as the requester.
func TestUnnamedJoinInsideOwnIsolationIsReported(t *testing.T) {
	skipWithoutG(t)
	joinInsideOwnIsolation(t, (*Isolator).Join, "member-0")
}

// A member joined idle, as a callback framework's accept hook joins one,
// runs on other goroutines: the goroutine that joined it and then asks
// through the Isolator is reported as an outsider, not as that member.
func TestStallReportIdleJoinerIsNoRequester(t *testing.T) {
	iso, reports := reportSink(20 * time.Millisecond)
	cb := iso.JoinIdle() // member-0, on this goroutine
	inside, stop, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { // the callback: runs the member
		sc := cb.Busy()
		close(inside)
		<-stop
		sc.End()
		close(done)
	}()
	<-inside
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	asked := make(chan error)
	go func() {
		_, err := iso.IsolateContext(ctx)
		asked <- err
	}()
	r := awaitReport(t, reports, "request", func(StallReport) bool { return true })
	assert.Nil(t, r.Requester.Member, "the accept hook's goroutine runs no member")
	assert.False(t, r.WaitsForItself)
	assert.Equal(t, []string{"member-0"}, names(r.Blockers))
	cancel()
	require.ErrorIs(t, <-asked, context.Canceled)
	close(stop)
	<-done
	cb.Leave()
}

// An unnamed member whose goroutine joins again, from a harmless scope,
// while another member holds the isolation, is the Join's requester; it
// does not wait for itself.
func TestUnnamedMemberJoiningBehindOthersIsolation(t *testing.T) {
	skipWithoutG(t)
	iso, reports := reportSink(20 * time.Millisecond)
	owner := iso.JoinNamed("owner") // member-0, on this goroutine
	ready, proceed, left := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		m := iso.Join() // member-1
		sc := m.Harmless()
		close(ready)
		<-proceed
		other := iso.Join() // member-2, held by the owner's isolation
		other.Leave()
		sc.End()
		m.Leave()
		close(left)
	}()
	<-ready
	release := owner.Isolate()
	close(proceed)
	r := awaitReport(t, reports, "join", func(r StallReport) bool { return r.Kind == StallJoin })
	require.NotNil(t, r.Requester.Member, "report: %v", r)
	assert.Equal(t, "member-1", r.Requester.Member.Name)
	assert.Equal(t, StateHarmless, r.Requester.Member.State)
	assert.False(t, r.WaitsForItself)
	assert.Contains(t, r.String(), "Join by member member-1 (harmless")
	release()
	<-left
	owner.Leave()
}

// A callback member (joined idle) whose Busy scope asks through the
// Isolator is the requester and waits for itself; once the scope has
// ended, its goroutine asks as an outsider.
func TestStallReportFindsBusyCallbackAskingThroughIsolator(t *testing.T) {
	skipWithoutG(t)
	iso, reports := reportSink(20 * time.Millisecond)
	cb := iso.JoinIdle() // member-0, joined on this goroutine
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { // a callback, on another goroutine
		sc := cb.Busy()
		_, err := iso.IsolateContext(ctx) // the mistake
		sc.End()
		done <- err
	}()
	r := awaitReport(t, reports, "busy self-wait", func(r StallReport) bool { return r.Requester.Member != nil })
	assert.Equal(t, "member-0", r.Requester.Member.Name)
	assert.True(t, r.WaitsForItself)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	// The same goroutine, after its callback, asks as an outsider.
	blocker := make(chan Member)
	stop := make(chan struct{})
	go func() {
		m := iso.Join() // member-1, running: blocks
		blocker <- m
		<-stop
		m.Leave()
	}()
	<-blocker
	ctx2, cancel2 := context.WithCancel(context.Background())
	go func() {
		sc := cb.Busy()
		sc.End()                           // the callback is over
		_, err := iso.IsolateContext(ctx2) // an outsider's request
		done <- err
	}()
	r = awaitReport(t, reports, "after the callback", func(r StallReport) bool {
		return slices.Equal(names(r.Blockers), []string{"member-1"}) // not a late report of the first wait
	})
	assert.Nil(t, r.Requester.Member, "report: %v", r)
	assert.False(t, r.WaitsForItself)
	cancel2()
	require.ErrorIs(t, <-done, context.Canceled)
	close(stop)
	cb.Leave()
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
			assert.True(t, strings.HasSuffix(r.Requester.Caller.File, "diag_requester_test.go"), "call site: %+v", r.Requester.Caller)
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

// A waitSite names the first frame outside the library above the wait,
// whether it was recorded by frame pointers or by runtime.Callers (the
// ports without frame pointers): here the line of the Do call, whose func
// records from under the library's frames.
func TestWaitSiteFindsTheCaller(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	defer m.Leave()
	defer m.Isolate()() // Do runs its func at once, under the library's frames
	var byFP, byCallers waitSite
	_, _, line, _ := runtime.Caller(0)
	m.Do(func() { byFP.record(); byCallers.recordCallers() })
	for _, c := range []waitSite{byFP, byCallers} {
		f := c.caller()
		assert.Equal(t, thisPackage+"TestWaitSiteFindsTheCaller", f.Function, "call site: %+v", f)
		assert.True(t, strings.HasSuffix(f.File, "diag_requester_test.go"), "call site: %+v", f)
		assert.Equal(t, line+1, f.Line, "the line of the Do call")
	}
}
