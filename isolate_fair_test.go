package isolate

// Tests of the fairness of plain isolations: requests are granted in
// arrival order, members' and outsiders' alike, and a release first admits
// the members and Joins it held back (phase fairness), before the next
// request. Fairness between full and plain requests is in
// isolate_full_test.go, the order of Do's sections in isolate_do_test.go.
// Focused tests, as helpers_test.go describes.

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Phase fairness. Members held back by an isolation run when it ends,
// before the next (already queued) isolation is granted, which then waits
// for them to become harmless again, whether the release hands off to it
// or wakes it to ask again (barge_test.go).
func TestReleaseAdmitsHeldMembersFirst(t *testing.T) {
	patientRequests(t) // A's release wakes B to ask again: members first all the same
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })

		var relA, relB func()
		isolateOp(iso.Isolate, &relA).wait(t, "isolator A")
		e := a.start(end)
		waitHeld(t, &iso, 1)
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)

		relA()
		e.wait(t, "the member held by A, after A's release (before B)")
		ob.blocked(t, "isolator B while the admitted member runs")
		a.do(t, "Harmless again", func() { end = m.Harmless().End })
		ob.wait(t, "isolator B once the member is harmless again")
		relB()
		a.do(t, "end", end)
		a.do(t, "Leave", m.Leave)
	})
}

// A Join held back by an isolation is admitted when it ends,
// before the next queued isolation.
func TestReleaseAdmitsHeldJoinFirst(t *testing.T) {
	patientRequests(t)
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		var relA, relB func()
		isolateOp(iso.Isolate, &relA).wait(t, "isolator A")
		a := newActor(t)
		var m Member
		j := a.start(func() { m = iso.Join() })
		waitHeld(t, &iso, 1)
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		j.blocked(t, "Join during A's isolation")

		// An outsider's release does not wait for the next request,
		// which cannot be granted yet.
		goOp(relA).wait(t, "A's release with B pending")
		j.wait(t, "Join after A's release (before B)")
		ob.blocked(t, "isolator B while the new member runs")
		a.do(t, "Leave", m.Leave)
		ob.wait(t, "isolator B once the new member left")
		relB()
	})
}

// Isolators are granted in arrival order, members and outsiders alike.
func TestIsolatorsGrantedInArrivalOrder(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "full"}[full], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				testArrivalOrder(t, full)
			})
		})
	}
}

// testArrivalOrder queues requests behind a holder, one at a time, and
// checks that they are granted in that order. Odd requesters are members
// (asking from idle scopes, so that the holder could be granted, and full
// requests are eligible), even ones outsiders.
func testArrivalOrder(t *testing.T, full bool) {
	var iso Isolator
	const n = 6
	actors := make([]*actor, n)
	members := make([]Member, n)
	ends := make([]func(), n)
	for i := 1; i < n; i += 2 {
		actors[i] = newActor(t)
		members[i] = actors[i].join(t, &iso)
		actors[i].do(t, "Idle", func() { ends[i] = members[i].Idle().End })
	}
	var relHolder func()
	isolateOp(iso.Isolate, &relHolder).wait(t, "holder")

	var order []int // plain: appended inside isolated sections only
	ops := make([]*op, n)
	for i := range n {
		section := func(release func()) {
			order = append(order, i)
			release()
		}
		switch {
		case members[i] != (Member{}) && full:
			ops[i] = actors[i].start(func() { section(members[i].IsolateFull()) })
		case members[i] != (Member{}):
			ops[i] = actors[i].start(func() { section(members[i].Isolate()) })
		case full:
			ops[i] = goOp(func() { section(iso.IsolateFull()) })
		default:
			ops[i] = goOp(func() { section(iso.Isolate()) })
		}
		if full {
			waitQueued(t, &iso, 0, i+1)
		} else {
			waitQueued(t, &iso, i+1, 0)
		}
	}
	relHolder()
	for i, o := range ops {
		o.wait(t, fmt.Sprintf("requester %d", i))
	}
	assert.Equal(t, []int{0, 1, 2, 3, 4, 5}, order)
	for i := 1; i < n; i += 2 {
		actors[i].do(t, "end and Leave", func() { ends[i](); members[i].Leave() })
	}
}

// A member held as it ended a scope, admitted by a release while no request
// waits, is let go: until it runs it stays in its scope's mode, so that an
// isolation requested at once does not wait for it, nor, after an idle
// scope, a grace period (set running by the release, it would count as
// running until it got a processor). The isolation that got in so holds it
// back once more, and so on maxLetGo times; then a release sets it
// running: an isolation requested then waits for it. One processor makes
// the order certain: the woken member cannot run before the test's
// goroutine blocks.
func TestReleaseLetsHeldMemberGo(t *testing.T) {
	for _, idle := range []bool{false, true} {
		t.Run(map[bool]string{false: "harmless", true: "idle"}[idle], func(t *testing.T) {
			var iso Isolator
			var ran atomic.Bool
			end, done := memberEnding(&iso, idle, &ran)
			rel := iso.Isolate()
			close(end)
			waitHeld(t, &iso, 1)

			for i := range maxLetGo {
				procs := runtime.GOMAXPROCS(1)
				rel()
				if idle {
					iso.Synchronize()
				}
				var ok bool
				rel, ok = iso.TryIsolate()
				notRun := !ran.Load()
				runtime.GOMAXPROCS(procs)
				require.True(t, ok, "let-go %d: an isolation right after the release waited for the member let go", i+1)
				assert.True(t, notRun, "let-go %d: the member ran before the isolation that followed the release", i+1)
				waitHeld(t, &iso, 1) // it ran, and was held again
			}

			procs := runtime.GOMAXPROCS(1)
			rel()
			relLast, ok := iso.TryIsolate()
			runtime.GOMAXPROCS(procs)
			if ok {
				relLast()
			}
			<-done
			assert.False(t, ok, "the member held after maxLetGo let-gos was let go again")
			assert.True(t, ran.Load())
		})
	}
}

// memberEnding starts a member of iso that waits in a harmless (or idle)
// scope until end is closed, then ends it, sets ran and leaves; done is
// closed once it left.
func memberEnding(iso *Isolator, idle bool, ran *atomic.Bool) (end, done chan struct{}) {
	end, done = make(chan struct{}), make(chan struct{})
	joined := make(chan struct{})
	go func() {
		defer close(done)
		m := iso.Join()
		sc := m.Harmless()
		if idle {
			sc.End() // no isolation yet: it runs on
			sc = m.Idle()
		}
		close(joined)
		<-end
		sc.End()
		ran.Store(true)
		m.Leave()
	}()
	<-joined
	return end, done
}
