package isolate

// Tests of what reports say of where a member's goroutine waits, from a
// goroutine dump: the blocking call a named blocker waits in, the parse of
// goroutine headers, and a member handed to another goroutine, which is
// reported on the goroutine that joined it, without that goroutine's stack
// as where it waits.

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
			assert.True(t, strings.HasSuffix(top.File, "diag_dump_test.go"), "top frame: %+v", top)
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

func stackHas(mi MemberInfo, fn string) bool {
	for _, f := range mi.Stack {
		if strings.Contains(f.Function, fn) {
			return true
		}
	}
	return false
}

// acceptLoop joins a named member idle for each connection and hands
// it to a handler, as JoinIdleNamed's doc shows; it then waits for the next
// connection.
func acceptLoop(iso *Isolator, conns <-chan chan Member) {
	for c := range conns {
		c <- iso.JoinIdleNamed("conn")
	}
}

// stuckHandler runs a callback that forgets to be harmless while it waits.
func stuckHandler(got chan Member, stuck <-chan struct{}, done chan<- struct{}) {
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
func TestStallReportOfHandedOverMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		iso, reports := reportSink(time.Second)
		conns := make(chan chan Member)
		go acceptLoop(iso, conns)
		got := make(chan Member)
		stuck, done := make(chan struct{}), make(chan struct{})
		go stuckHandler(got, stuck, done)
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
		if stackHas(b, "acceptLoop") || b.WaitReason != "" || len(b.Stack) != 0 {
			t.Errorf("the blocker is said to wait in the accept loop (%s, %v); it waits in stuckHandler", b.WaitReason, b.Stack)
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
