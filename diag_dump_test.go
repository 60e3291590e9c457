package isolate

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

func reviewStackHas(mi MemberInfo, fn string) bool {
	for _, f := range mi.Stack {
		if strings.Contains(f.Function, fn) {
			return true
		}
	}
	return false
}

// reviewAcceptLoop joins a named member idle for each connection and hands
// it to a handler, as JoinIdleNamed's doc shows; it then waits for the next
// connection.
func reviewAcceptLoop(iso *Isolator, conns <-chan chan Member) {
	for c := range conns {
		c <- iso.JoinIdleNamed("conn")
	}
}

// reviewHandler runs a callback that forgets to be harmless while it waits.
func reviewHandler(got chan Member, stuck <-chan struct{}, done chan<- struct{}) {
	m := <-got
	b := m.Busy()
	<-stuck // the mistake: a blocking call outside a harmless scope
	b.End()
	m.Leave()
	close(done)
}

// A callback member (JoinIdleNamed in the accept loop, Busy in a handler
// goroutine) blocks an isolation: the report names it, running. The
// goroutine that JoinIdleNamed recorded is the accept loop's, which waits
// for the next connection: the report must not present the accept loop's
// stack as where the blocker waits, and says instead that the member may
// have been handed to another goroutine (recording the goroutine at each
// Busy would cost a walk of its stack).
func TestReviewStallReportOfHandedOverMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iso, reports := reportSink(time.Second)
		conns := make(chan chan Member)
		go reviewAcceptLoop(iso, conns)
		got := make(chan Member)
		stuck, done := make(chan struct{}), make(chan struct{})
		go reviewHandler(got, stuck, done)
		conns <- got
		synctest.Wait() // the handler is busy, stuck
		isolated := make(chan func())
		go func() { isolated <- iso.Isolate() }()
		time.Sleep(1500 * time.Millisecond)
		synctest.Wait()
		var r StallReport
		select {
		case r = <-reports:
		default:
			t.Fatal("no stall report after 1.5s")
		}
		if len(r.Blockers) != 1 || r.Blockers[0].Name != "conn" || r.Blockers[0].State != StateRunning {
			t.Fatalf("blockers %v, want conn running", r.Blockers)
		}
		b := r.Blockers[0]
		if reviewStackHas(b, "reviewAcceptLoop") || b.WaitReason != "" || len(b.Stack) != 0 {
			t.Errorf("the blocker is said to wait in the accept loop (%s, %v); it waits in reviewHandler", b.WaitReason, b.Stack)
		}
		if !b.JoinedIdle || b.Goroutine == 0 {
			t.Errorf("the blocker is not reported as joined idle on a goroutine: %+v", b)
		}
		want := fmt.Sprintf("conn (running; joined on goroutine %d; this member may have been handed to another goroutine)", b.Goroutine)
		if got := b.String(); got != want {
			t.Errorf("the blocker reads %q, want %q", got, want)
		}
		close(stuck)
		(<-isolated)()
		<-done
		close(conns)
	})
}
