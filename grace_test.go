package isolate

// Tests of grace periods: Synchronize (grace.go), whom it waits for
// (running, harmless and isolated members) and whom not (idle members,
// members that left or wait in a full isolation, late joiners), that it
// holds nobody back, the happens-before edges it makes, and its trace
// regions. Most run in synctest bubbles, as the focused tests do
// (helpers_test.go).
//
// Elsewhere: SynchronizeContext giving up in grace_abandon_test.go, Defer
// in grace_defer_test.go, Barrier in grace_barrier_test.go, callback
// members (busy scopes, idle joins) in grace_busy_test.go, the awaited flag
// and yield in grace_awaited_test.go, grace periods under load in
// torture_grace_test.go, their stall reports in diag_grace_test.go.

import (
	"bytes"
	"context"
	"runtime"
	"runtime/trace"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSynchronizeWithoutMembersOrAllIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		iso.Synchronize() // no member: returns
		a := newActor(t)
		m := a.join(t, &iso)
		var end func()
		a.do(t, "Idle", func() { end = m.Idle().End })
		word := m.mb.word.load()
		goOp(iso.Synchronize).wait(t, "Synchronize while the only member is idle")
		require.NoError(t, iso.SynchronizeContext(context.Background()))
		assert.Equal(t, word, m.mb.word.load(), "the idle member's word was written")
		st := iso.Stats()
		assert.Equal(t, uint64(3), st.GracePeriods)
		assert.Zero(t, st.Synchronizing)
		a.do(t, "end", end)
		a.do(t, "Leave", m.Leave)
	})
}

// A running member and a harmless one are waited for; each is done at its
// first idle entry after the call, whatever it does before.
func TestSynchronizeWaitsForRunningAndHarmlessMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		ma, mb := a.join(t, &iso), b.join(t, &iso)
		var endB func()
		b.do(t, "B Harmless", func() { endB = mb.Harmless().End })

		sync := goOp(iso.Synchronize)
		sync.blocked(t, "Synchronize while A runs and B is harmless")
		assert.Equal(t, 1, iso.Stats().Synchronizing)
		a.do(t, "A Harmless scope", func() { ma.Harmless().End() })
		sync.blocked(t, "Synchronize after A's harmless scope")
		a.do(t, "A Idle scope", func() { ma.Idle().End() })
		sync.blocked(t, "Synchronize while B is still harmless")
		b.do(t, "B ends its harmless scope", endB)
		sync.blocked(t, "Synchronize while B runs")
		b.do(t, "B Idle scope", func() { mb.Idle().End() })
		sync.wait(t, "Synchronize once both were idle")
		assert.False(t, ma.mb.word.load().awaited(), "A keeps an awaited flag")
		assert.False(t, mb.mb.word.load().awaited(), "B keeps an awaited flag")
		a.do(t, "A Leave", ma.Leave)
		b.do(t, "B Leave", mb.Leave)
	})
}

// Leaving, and waiting in a full isolation, end the wait for a member;
// members that join after the call are not waited for.
func TestSynchronizeLeaveFullWaitAndLateJoin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b, c := newActor(t), newActor(t), newActor(t)
		ma, mb := a.join(t, &iso), b.join(t, &iso)
		var endB func()
		b.do(t, "B Idle", func() { endB = mb.Idle().End })

		sync := goOp(iso.Synchronize)
		sync.blocked(t, "Synchronize while A runs")
		mc := c.join(t, &iso) // joins after the call, runs: not waited for
		b.do(t, "B ends its idle scope", endB)
		// A asks for a full isolation, which waits for B and C: A waits
		// idle, and the grace period is over.
		var rel func()
		full := a.start(func() { rel = ma.IsolateFull() })
		full.blocked(t, "A's full isolation while B and C run")
		sync.wait(t, "Synchronize once A waited in a full isolation")

		sync = goOp(iso.Synchronize)
		sync.blocked(t, "second Synchronize while B and C run")
		b.do(t, "B Leave", mb.Leave)
		sync.blocked(t, "second Synchronize while C runs")
		c.do(t, "C Leave", mc.Leave)
		sync.wait(t, "second Synchronize once B and C left")
		full.wait(t, "A's full isolation")
		a.do(t, "A release", rel)
		a.do(t, "A Leave", ma.Leave)
	})
}

// While a grace period waits, every member goes on: scope ends, Poll, Join,
// Leave and isolations do not wait for it, and an idle member's word is not
// written.
func TestSynchronizeHoldsNobodyBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b, c := newActor(t), newActor(t), newActor(t)
		ma, mb, mc := a.join(t, &iso), b.join(t, &iso), c.join(t, &iso)
		var endC func()
		c.do(t, "C Idle", func() { endC = mc.Idle().End })
		wordC := mc.mb.word.load()

		sync := goOp(iso.Synchronize)
		sync.blocked(t, "Synchronize while A and B run")
		for range 3 {
			// A is awaited: its scopes hand the flag on, never wait.
			a.do(t, "A Harmless scope", func() { ma.Harmless().End() })
			a.do(t, "A Poll", ma.Poll)
			b.do(t, "B Harmless scope", func() { mb.Harmless().End() })
			var d Member
			b.do(t, "Join of another member", func() { d = iso.Join() })
			b.do(t, "its Leave", d.Leave)
			var endB func()
			b.do(t, "B Harmless", func() { endB = mb.Harmless().End })
			a.do(t, "A isolates", func() { ma.Isolate()() })
			b.do(t, "B end", endB)
		}
		sync.blocked(t, "Synchronize while A and B never were idle")
		assert.Equal(t, wordC, mc.mb.word.load(), "the idle member's word was written")
		a.do(t, "A Idle scope", func() { ma.Idle().End() })
		b.do(t, "B Idle scope", func() { mb.Idle().End() })
		sync.wait(t, "Synchronize")
		c.do(t, "C end", endC)
		for _, m := range []Member{ma, mb, mc} {
			m.Leave()
		}
	})
}

// A member that is idle for an instant while the grace period does not
// look is not missed: its count has moved on.
func TestSynchronizeSeesBriefIdleStates(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	// The grace period looks at m while it runs, before the idle entry
	// below, and m runs again before the grace period looks again.
	pend := slices.Collect(iso.blockers(0, nil, modeIdle))
	require.Len(t, pend, 1)
	m.Idle().End()
	w := &graceWaiter{pend: []awaiting{{pend[0].slot, pend[0].seen.count()}}}
	require.Equal(t, modeRunning, m.mb.word.load().mode())
	require.NoError(t, iso.awaitIdle(w, abort{}), "a brief idle state was missed")
	m.Leave()

	// The same through the API: the member goes idle for an instant
	// between jobs, over and over; every Synchronize returns.
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		m2 := iso.Join()
		defer m2.Leave()
		for {
			select {
			case <-stop:
				return
			default:
			}
			m2.Idle().End() // an instant between two jobs
		}
	}()
	for range 100 {
		iso.Synchronize()
	}
	close(stop)
	<-done
}

// What a member did before its idle entry is synchronized before the return
// of the Synchronize that waited for it, and before deferred funcs: the race
// detector sees a reader's last use of a retired buffer before its reuse.
// Only the race detector sees these edges: the test can fail only under
// -race, and is skipped without it.
func TestGracePeriodHappensBefore(t *testing.T) {
	if !raceEnabled {
		t.Skip("checks happens-before edges that only the race detector sees: run with -race")
	}
	type table struct{ buf []int }
	var iso Isolator
	var cur atomic.Pointer[table]
	cur.Store(&table{buf: make([]int, 64)})
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			defer m.Leave()
			for !stop.Load() {
				t := cur.Load()
				sum := 0
				for _, v := range t.buf { // plain reads of the shared buffer
					sum += v
				}
				if sum < 0 {
					panic("never")
				}
				// Between jobs, idle: yield there, as a reader that waits
				// for its next job would, so that a reader preempted
				// while it runs does not wait for the others' time
				// slices to end (more readers than processors).
				end := m.Idle()
				runtime.Gosched()
				end.End()
			}
		}()
	}
	var pool []*table
	for i := range 200 {
		next := &table{}
		if n := len(pool); n > 0 {
			next, pool = pool[n-1], pool[:n-1]
		} else {
			next.buf = make([]int, 64)
		}
		for j := range next.buf {
			next.buf[j] = i // plain writes into a recycled buffer
		}
		old := cur.Swap(next)
		if i%2 == 0 {
			iso.Synchronize()
			pool = append(pool, old)
			continue
		}
		iso.Defer(func() {
			for j := range old.buf {
				old.buf[j] = -1 // written by the deferred func
			}
		})
		iso.Barrier() // the func's writes are synchronized before its return
		pool = append(pool, old)
	}
	stop.Store(true)
	wg.Wait()
}

func TestSynchronizeFromIdleMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		ma, mb := a.join(t, &iso), b.join(t, &iso)
		sync := a.start(func() {
			defer ma.Idle().End()
			iso.Synchronize()
		})
		sync.blocked(t, "Synchronize from an idle member while another runs")
		b.do(t, "B Idle scope", func() { mb.Idle().End() })
		sync.wait(t, "Synchronize")
		a.do(t, "A Leave", ma.Leave)
		b.do(t, "B Leave", mb.Leave)
		require.NoError(t, iso.SynchronizeContext(context.Background()))
	})
}

// A grace period's wait shows in an execution trace as a region, as the
// waits for isolations do.
func TestGraceWaitIsTraced(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, trace.Start(&buf))
	var iso Isolator
	m := iso.Join()
	done := make(chan struct{})
	go func() {
		iso.Synchronize()
		close(done)
	}()
	for iso.Stats().Synchronizing == 0 {
		runtime.Gosched()
	}
	m.Idle().End()
	<-done
	m.Leave()
	trace.Stop()
	assert.Contains(t, buf.String(), "isolate: wait for grace period")
}

// Every other member is idle in a full section, even one whose
// IsolateFullContext, made while it ran, is withdrawn during the section: it
// is held in the idle state it waited in (withdrawLocked), so that a
// Synchronize in the section does not wait for it. TestTorture found it
// held harmless, and its section waiting for ever.
func TestSynchronizeInFullSectionAfterWithdrawnFullRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		ma := a.join(t, &iso)
		var release func()
		full := goOp(func() { release = iso.IsolateFull() })
		full.blocked(t, "the outsider's IsolateFull while A runs")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var err error
		req := a.start(func() { _, err = ma.IsolateFullContext(ctx) })
		full.wait(t, "the outsider's IsolateFull once A waits, idle, for its own")
		req.blocked(t, "A's IsolateFullContext behind the outsider's")
		cancel()
		req.blocked(t, "A, withdrawn during the outsider's isolation, until it ends")

		sync := goOp(iso.Synchronize)
		synctest.Wait()
		returned := sync.finished()
		release()
		req.wait(t, "A's IsolateFullContext after the release")
		require.ErrorIs(t, err, context.Canceled)
		a.do(t, "A Leave", ma.Leave)
		sync.wait(t, "Synchronize once A left")
		assert.True(t, returned, "Synchronize inside a full isolated section waits for a member whose "+
			"IsolateFullContext was withdrawn during the section")
	})
}

// A member that isolates from inside an Idle scope runs its section and may
// read the shared structure there: a grace period waits for it, as doc.go's
// state table says for isolated members (its word stayed idle through the
// section, and Synchronize returned at once).
func TestIsolatedFromIdleIsWaitedFor(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	endIdle := m.Idle()
	release := m.Isolate() // isolated: may read the structure now
	done := make(chan struct{})
	go func() { iso.Synchronize(); close(done) }()
	select {
	case <-done:
		t.Errorf("Synchronize returned while a member runs its isolated section (opened in an Idle scope); doc.go's table says isolated members are waited for")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	endIdle.End()
	m.Idle().End()
	<-done
	m.Leave()
}
