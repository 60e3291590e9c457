package isolate

import (
	"fmt"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
)

// Focused tests, one or more per numbered semantic of the core issue (S1 to
// S11) and per feature of full isolation, Poll and TryIsolate. Each test
// drives members on actors (helpers_test.go) and checks who is blocked and
// who is not; see each test for what it would catch.
//
// They are split by concept: S1 to S5 here, S6 and S7 (cancellation,
// panics) in semantics_cancel_test.go, S9 to S11 (scale, parked members,
// happens-before) in semantics_scale_test.go, full isolation in
// full_test.go, and Poll, TryIsolate and Isolated in poll_try_test.go.

// S1: a member cannot end a harmless scope while someone else is isolated,
// outsider or member, and no isolation begins while a member runs.
func TestS1MembersDoNotRunDuringIsolation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)

		var relOut func()
		out := isolateOp(iso.Isolate, &relOut)
		out.blocked(t, "outsider isolation while two members run")
		var end1, end2 func()
		a.do(t, "m1 Harmless", func() { end1 = m1.Harmless().End })
		out.blocked(t, "outsider isolation while one member runs")
		b.do(t, "m2 Harmless", func() { end2 = m2.Harmless().End })
		out.wait(t, "outsider isolation once every member is harmless")

		e1 := a.start(end1)
		e1.blocked(t, "m1 ending its harmless scope during an outsider's isolation")
		relOut()
		e1.wait(t, "m1 ending its harmless scope after the release")

		// Now m1 isolates itself: m2 may not end its harmless scope.
		var rel1 func()
		a.do(t, "m1 Isolate", func() { rel1 = m1.Isolate() })
		e2 := b.start(end2)
		e2.blocked(t, "m2 ending its harmless scope during m1's isolation")
		a.do(t, "m1 release", rel1)
		e2.wait(t, "m2 ending its harmless scope after m1's release")

		a.do(t, "m1 Leave", m1.Leave)
		b.do(t, "m2 Leave", m2.Leave)
	})
}

// S1: at most one goroutine is isolated at a time, whoever asks.
func TestS1OneIsolationAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)
		var end1, end2 func()
		a.do(t, "m1 Harmless", func() { end1 = m1.Harmless().End })
		b.do(t, "m2 Harmless", func() { end2 = m2.Harmless().End })

		// Two outsiders.
		var relA, relB func()
		isolateOp(iso.Isolate, &relA).wait(t, "outsider A")
		ob := isolateOp(iso.Isolate, &relB)
		ob.blocked(t, "outsider B while A is isolated")
		relA()
		ob.wait(t, "outsider B after A's release")

		// A member behind an outsider, an outsider behind a member, and a
		// member behind a member (both asking from harmless scopes).
		var rel1, rel2 func()
		i1 := a.start(func() { rel1 = m1.Isolate() })
		i1.blocked(t, "member m1 while outsider B is isolated")
		relB()
		i1.wait(t, "member m1 after B's release")
		oc := isolateOp(iso.Isolate, &relA)
		oc.blocked(t, "outsider while member m1 is isolated")
		i2 := b.start(func() { rel2 = m2.Isolate() })
		waitQueued(t, &iso, 2, 0)
		i2.blocked(t, "member m2 while member m1 is isolated")
		a.do(t, "m1 release", rel1)
		oc.wait(t, "outsider after m1's release (first in line)")
		i2.blocked(t, "member m2 while the outsider is isolated")
		relA()
		i2.wait(t, "member m2 after the outsider's release")
		b.do(t, "m2 release", rel2)

		a.do(t, "m1 end", end1)
		b.do(t, "m2 end", end2)
		a.do(t, "m1 Leave", m1.Leave)
		b.do(t, "m2 Leave", m2.Leave)
	})
}

// S1: the grant is an owner, not "everyone looks harmless": an isolated
// member that opens harmless and idle scopes lets no waiting isolator in.
func TestS1NestedHarmlessInSectionLetsNobodyIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })

		var relP, relF func()
		p := isolateOp(iso.Isolate, &relP)
		waitQueued(t, &iso, 1, 0)
		var end func()
		a.do(t, "open Harmless in own section", func() { end = m.Harmless().End })
		p.blocked(t, "plain isolator while the owner sits in a nested harmless scope")
		a.do(t, "end it and open Idle", func() { end(); end = m.Idle().End })
		p.blocked(t, "plain isolator while the owner sits in a nested idle scope")
		f := isolateOp(iso.IsolateFull, &relF)
		waitQueued(t, &iso, 1, 1)
		f.blocked(t, "full isolator while the owner sits in a nested idle scope")
		assert.True(t, granted(&iso))
		a.do(t, "end Idle, release, open Harmless", func() { end(); rel(); end = m.Harmless().End })
		// m is harmless, not idle: the plain request goes first.
		p.wait(t, "plain isolator after the owner's release")
		f.blocked(t, "full isolator while a plain one holds and m is not idle")
		relP()
		a.do(t, "end, then Idle", func() { end(); end = m.Idle().End })
		f.wait(t, "full isolator once m is idle")
		relF()
		a.do(t, "end Idle", end)
		a.do(t, "Leave", m.Leave)
	})
}

// S2: phase fairness. Members held back by an isolation run when it ends,
// before the next (already queued) isolation is granted, which then waits
// for them to become harmless again.
func TestS2ReleaseAdmitsHeldMembersFirst(t *testing.T) {
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

// S2 and S3: a Join held back by an isolation is admitted when it ends,
// before the next queued isolation.
func TestS2ReleaseAdmitsHeldJoinFirst(t *testing.T) {
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

		// S4 too: an outsider's release does not wait for the next request,
		// which cannot be granted yet.
		goOp(relA).wait(t, "A's release with B pending")
		j.wait(t, "Join after A's release (before B)")
		ob.blocked(t, "isolator B while the new member runs")
		a.do(t, "Leave", m.Leave)
		ob.wait(t, "isolator B once the new member left")
		relB()
	})
}

// S2: isolators are granted in arrival order, members and outsiders alike.
func TestS2IsolatorsGrantedInArrivalOrder(t *testing.T) {
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

// S3: Join never returns inside someone else's isolated section, nor while
// an isolation is requested; the new member is admitted running.
func TestS3JoinWaitsOutIsolations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		x := newActor(t)
		mx := x.join(t, &iso)

		// Requested, not yet granted: mx runs.
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		waitQueued(t, &iso, 1, 0)
		a := newActor(t)
		var m Member
		j := a.start(func() { m = iso.Join() })
		j.blocked(t, "Join while an isolation is requested")
		var endX func()
		x.do(t, "mx Harmless", func() { endX = mx.Harmless().End })
		o.wait(t, "isolation once mx is harmless")
		j.blocked(t, "Join during the isolated section")
		rel()
		j.wait(t, "Join after the release")

		// The new member runs: the next isolation waits for it.
		o = isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while the new member runs")
		var end func()
		a.do(t, "new member Harmless", func() { end = m.Harmless().End })
		o.wait(t, "isolation once the new member is harmless")
		rel()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
		x.do(t, "mx end and Leave", func() { endX(); mx.Leave() })
	})
}

// S3: Leave of a member that keeps an isolation waiting lets it proceed,
// also when members in other slots still block it.
func TestS3LeaveOfBlockerLetsIsolationProceed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while two members run")
		a.do(t, "m1 Leave", m1.Leave)
		o.blocked(t, "isolation while m2 runs")
		b.do(t, "m2 Leave", m2.Leave)
		o.wait(t, "isolation once both left")
		rel()

		// A member isolator waits for a running member's Leave too.
		m1 = a.join(t, &iso)
		m2 = b.join(t, &iso)
		i := a.start(func() { rel = m1.Isolate() })
		i.blocked(t, "member isolation while m2 runs")
		b.do(t, "m2 Leave", m2.Leave)
		i.wait(t, "member isolation once m2 left")
		a.do(t, "release and Leave", func() { rel(); m1.Leave() })
	})
}

// S4: release puts a member that isolated while running back to running:
// the next isolation, queued during the section or asked after it, waits
// for it (HAProxy 8fc707390: the next winner must not proceed while the
// previous owner still runs), and release does not wait for it.
func TestS4ReleaseRestoresRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel, relB, end func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		a.do(t, "release with a request pending (must not wait for it)", rel)
		ob.blocked(t, "the next isolator while the previous owner runs on (HAProxy 8fc707390)")
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		ob.wait(t, "the next isolator once the previous owner is harmless")
		relB()
		a.do(t, "end", end)

		// Asked after the release.
		a.do(t, "Isolate and release", func() { m.Isolate()() })
		ob = isolateOp(iso.Isolate, &relB)
		ob.blocked(t, "an isolation after the member's release, while it runs")
		a.do(t, "Leave", m.Leave)
		ob.wait(t, "the isolation once the member left")
		relB()
	})
}

// S4: HAProxy a9c0252b2. The seed's release waited, harmless, for the other
// requests and then returned still marked harmless, so a third party could
// isolate while the releaser ran. Here: m isolates, B queues, m releases,
// B runs while m is harmless, m returns to running; then C must wait for m.
func TestS4ReleaserNotLeftHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel, relB, relC, end func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		a.do(t, "release", rel)
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		ob.wait(t, "B")
		e := a.start(end)
		waitHeld(t, &iso, 1)
		relB()
		e.wait(t, "m's harmless end after B's release")

		oc := isolateOp(iso.Isolate, &relC)
		oc.blocked(t, "third party C while the releaser runs (HAProxy a9c0252b2)")
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		oc.wait(t, "C once m is harmless")
		relC()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// S4: a member that isolated from inside a harmless scope is harmless again
// after release: a new isolation proceeds while it stays in that scope.
func TestS4ReleaseRestoresHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end func()
		a.do(t, "Harmless, Isolate, release", func() {
			end = m.Harmless().End
			m.Isolate()()
		})
		a.endWaitsOut(t, iso.Isolate, end, "the releaser stays harmless")

		// The same from inside an idle scope: a full isolation proceeds.
		a.do(t, "Idle, IsolateFull, release", func() {
			end = m.Idle().End
			m.IsolateFull()()
		})
		a.endWaitsOut(t, iso.IsolateFull, end, "the releaser stays idle")
		a.do(t, "Leave", m.Leave)
	})
}

// S5: Harmless nests in Harmless and in Idle, Idle in Idle: only the
// outermost end makes the member run.
func TestS5HarmlessScopesNest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var outer func()
		a.do(t, "Harmless in Harmless", func() {
			outer = m.Harmless().End
			m.Harmless().End()
		})
		a.endWaitsOut(t, iso.Isolate, outer, "the inner harmless scope ended, the outer one open")

		a.do(t, "Harmless and Idle in Idle", func() {
			outer = m.Idle().End
			m.Harmless().End()
			m.Idle().End()
		})
		a.endWaitsOut(t, iso.IsolateFull, outer, "the inner scopes ended, the idle one open")
		a.do(t, "Leave", m.Leave)
	})
}

// S5: Isolate nests inside the member's own isolation without waiting, and
// the inner release keeps the section.
func TestS5IsolateNestsInOwnSection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var outer, rel func()
		a.do(t, "Isolate", func() { outer = m.Isolate() })
		ob := isolateOp(iso.Isolate, &rel)
		waitQueued(t, &iso, 1, 0)
		a.do(t, "nested Isolate and TryIsolate", func() {
			inner := m.Isolate()
			assert.True(t, m.Isolated())
			r, ok := m.TryIsolate()
			assert.True(t, ok, "TryIsolate inside own section")
			r()
			inner()
			assert.True(t, m.Isolated(), "after the inner release")
		})
		ob.blocked(t, "outsider while the outer isolation holds")
		a.do(t, "outer release, Harmless", func() {
			outer()
			assert.False(t, m.Isolated())
			outer = m.Harmless().End
		})
		ob.wait(t, "outsider after the outer release")
		rel()

		// Full inside own full.
		a.do(t, "IsolateFull in IsolateFull, Isolate in it", func() {
			outer()
			r := m.IsolateFull()
			m.IsolateFull()()
			m.Isolate()()
			assert.True(t, m.Isolated())
			r()
			m.Leave()
		})
	})
}

// S5: HAProxy a9a9e9aac. A harmless or idle scope inside the member's own
// isolated section, with requests pending, does not wait for its own
// isolation when it ends.
func TestS5HarmlessInOwnSectionDoesNotWaitForItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel, relP, relF func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })
		po := isolateOp(iso.Isolate, &relP)
		waitQueued(t, &iso, 1, 0)
		of := isolateOp(iso.IsolateFull, &relF)
		waitQueued(t, &iso, 1, 1)
		a.do(t, "harmless, idle and Poll inside own section, requests pending", func() {
			m.Harmless().End()
			m.Idle().End()
			end := m.Harmless()
			m.Poll()
			end.End()
			m.Poll()
		})
		po.blocked(t, "plain request during the section")
		a.do(t, "release, Idle", func() { rel(); rel = m.Idle().End })
		// Both eligible now; the older plain one goes first.
		po.wait(t, "plain request")
		of.blocked(t, "full request while the plain one holds")
		relP()
		of.wait(t, "full request")
		relF()
		a.do(t, "end and Leave", func() { rel(); m.Leave() })
	})
}
