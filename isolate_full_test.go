package isolate

// Tests of full isolation: IsolateFull waits for idle members, its queue,
// what a pending full request holds back (and frees when it is abandoned),
// and its fairness with plain requests. The ...Context forms in general
// are in isolate_context_test.go. Focused tests, as helpers_test.go
// describes.

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Full isolation waits for members in harmless (not idle) scopes and
// proceeds when every member is idle; a plain isolation proceeds while
// members are idle.
func TestFullIsolationNeedsIdleMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end, rel func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		of := isolateOp(iso.IsolateFull, &rel)
		of.blocked(t, "full isolation while a member is harmless, not idle")
		a.do(t, "end Harmless, Idle", func() { end(); end = m.Idle().End })
		of.wait(t, "full isolation once the member is idle")
		rel()
		isolateOp(iso.Isolate, &rel).wait(t, "plain isolation while the member is idle")
		rel()

		// A member isolator, full, waits for another member's idle scope.
		b := newActor(t)
		mb := b.join(t, &iso)
		var endB func()
		b.do(t, "Harmless", func() { endB = mb.Harmless().End })
		a.do(t, "end Idle", end)
		mi := a.start(func() { rel = m.IsolateFull() })
		mi.blocked(t, "member's full isolation while another is harmless")
		b.do(t, "end Harmless, Idle", func() { endB(); endB = mb.Idle().End })
		mi.wait(t, "member's full isolation once the other is idle")
		a.do(t, "release and Leave", func() { rel(); m.Leave() })
		b.do(t, "end and Leave", func() { endB(); mb.Leave() })
	})
}

// A pending full request holds back Idle ends and Joins, not Harmless ends
// or Poll (a member in the middle of a job must be able to reach idle).
// Once granted it holds everyone.
func TestFullRequestHoldsIdleEndsAndJoinsOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		ah, ai, ar := newActor(t), newActor(t), newActor(t)
		mh, mi, mr := ah.join(t, &iso), ai.join(t, &iso), ar.join(t, &iso)
		var endH, endI func()
		ah.do(t, "Harmless", func() { endH = mh.Harmless().End })
		ai.do(t, "Idle", func() { endI = mi.Idle().End })
		// mr runs.

		var rel func()
		of := isolateOp(iso.IsolateFull, &rel)
		waitQueued(t, &iso, 0, 1)
		ei := ai.start(endI)
		j := newActor(t)
		var mj Member
		jo := j.start(func() { mj = iso.Join() })
		waitHeld(t, &iso, 2)
		ah.do(t, "Harmless end with a full request pending", endH)
		ar.do(t, "Poll with a full request pending", mr.Poll)
		ei.blocked(t, "Idle end with a full request pending")
		jo.blocked(t, "Join with a full request pending")
		of.blocked(t, "full isolation while two members run")

		ah.do(t, "Idle", func() { endH = mh.Idle().End })
		ar.do(t, "Idle", func() { endI = mr.Idle().End })
		of.wait(t, "full isolation")
		eh := ah.start(endH)
		eh.blocked(t, "Idle end during the full isolation")
		ei.blocked(t, "Idle end during the full isolation")
		rel()
		eh.wait(t, "Idle end after the release")
		ei.wait(t, "held Idle end after the release")
		jo.wait(t, "held Join after the release")
		ar.do(t, "end", endI)
		for _, x := range []struct {
			a *actor
			m Member
		}{{ah, mh}, {ai, mi}, {ar, mr}, {j, mj}} {
			x.a.do(t, "Leave", x.m.Leave)
		}
	})
}

// Requests are granted in arrival order across both queues: an eligible
// full request goes ahead of plain requests that came after it, and waits
// for an older plain one (while members ending idle stay held for it); a
// plain request passes a full one that is not eligible.
func TestFullRequestFairness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end func()
		a.do(t, "Idle", func() { end = m.Idle().End })

		var relA, relP, relF func()
		for _, fullFirst := range []bool{true, false} {
			isolateOp(iso.Isolate, &relA).wait(t, "A")
			var order []string // appended in sections
			var first, second *op
			if fullFirst {
				first = goOp(func() { relF = iso.IsolateFull(); order = append(order, "full") })
				waitQueued(t, &iso, 0, 1)
				second = goOp(func() { relP = iso.Isolate(); order = append(order, "plain") })
			} else {
				first = goOp(func() { relP = iso.Isolate(); order = append(order, "plain") })
				waitQueued(t, &iso, 1, 0)
				second = goOp(func() { relF = iso.IsolateFull(); order = append(order, "full") })
			}
			waitQueued(t, &iso, 1, 1)
			relA()
			first.wait(t, "the older request, both eligible")
			second.blocked(t, "the younger request while the older one holds")
			if fullFirst {
				relF()
			} else {
				relP()
			}
			second.wait(t, "the younger request")
			if fullFirst {
				relP()
				assert.Equal(t, []string{"full", "plain"}, order)
			} else {
				relF()
				assert.Equal(t, []string{"plain", "full"}, order)
			}
		}

		// Not eligible: m is harmless, not idle. The plain request passes.
		a.do(t, "end Idle, Harmless", func() { end(); end = m.Harmless().End })
		of := isolateOp(iso.IsolateFull, &relF)
		waitQueued(t, &iso, 0, 1)
		po := isolateOp(iso.Isolate, &relP)
		po.wait(t, "the plain request passing an ineligible full one")
		of.blocked(t, "the full request during the plain isolation")
		relP()
		a.do(t, "end Harmless, Idle", func() { end(); end = m.Idle().End })
		of.wait(t, "the full request once m is idle")
		relF()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// A plain release holds back members ending idle while a full request is
// pending, so that the full request gets through: with members that go idle
// between jobs and a stream of plain isolators, the full one is granted.
func TestFullRequestNotStarvedByPlainOnes(t *testing.T) {
	patientRequests(t) // F's release wakes P to ask again
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end, relA, relF, relP func()
		a.do(t, "Idle", func() { end = m.Idle().End })
		isolateOp(iso.Isolate, &relA).wait(t, "A")
		ei := a.start(end) // held by A
		waitHeld(t, &iso, 1)
		of := isolateOp(iso.IsolateFull, &relF)
		waitQueued(t, &iso, 0, 1)
		po := isolateOp(iso.Isolate, &relP)
		waitQueued(t, &iso, 1, 1)
		relA()
		// The member, held from idle, stays idle: the full request is eligible.
		of.wait(t, "full request after the plain release")
		ei.blocked(t, "idle end while the full isolation holds")
		relF()
		ei.wait(t, "idle end after the full release")
		po.blocked(t, "plain request while the member runs")
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		po.wait(t, "plain request")
		relP()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// A member that isolates full back to back does not starve an older plain
// request: its next full request is eligible at once (it is the only
// member), but the plain one came first. HAProxy lets a plain isolation
// win over a full one; granting every eligible full request first would
// turn that around, and the model found the starvation (model/README.md).
func TestFullRequestsBackToBackDoNotStarvePlain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var relF, relP func()
		a.do(t, "IsolateFull", func() { relF = m.IsolateFull() })
		po := isolateOp(iso.Isolate, &relP)
		waitQueued(t, &iso, 1, 0)
		var again *op
		a.do(t, "release, IsolateFull again", func() {
			relF()
			again = goOp(func() { relF = m.IsolateFull() })
		})
		po.wait(t, "the older plain request")
		again.blocked(t, "the member's next full request during the plain section")
		relP()
		again.wait(t, "the member's next full request")
		a.do(t, "release and Leave", func() { relF(); m.Leave() })
	})
}

// A member waiting in IsolateFull counts as idle: two members asking for
// full isolations at once do not deadlock.
func TestMemberWaitingForFullCountsAsIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)
		var rel1, rel2 func()
		i1 := a.start(func() { rel1 = m1.IsolateFull() })
		waitQueued(t, &iso, 0, 1)
		i1.blocked(t, "m1's full request while m2 runs")
		i2 := b.start(func() { rel2 = m2.IsolateFull() })
		i1.wait(t, "m1's full request once m2 waits in IsolateFull")
		i2.blocked(t, "m2's full request during m1's section")
		a.do(t, "release", rel1)
		i2.blocked(t, "m2's full request while m1 runs")
		a.do(t, "Idle", func() { rel1 = m1.Idle().End })
		i2.wait(t, "m2's full request")
		b.do(t, "release and Leave", func() { rel2(); m2.Leave() })
		a.do(t, "end and Leave", func() { rel1(); m1.Leave() })
	})
}

// Members held past a plain release because a full request is pending run
// when that full request is abandoned (it was not eligible: another member
// is harmless, not idle).
func TestAbandonedFullRequestFreesMembersHeldForIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, h := newActor(t), newActor(t)
		m, mh := a.join(t, &iso), h.join(t, &iso)
		var end, endH, relA func()
		a.do(t, "Idle", func() { end = m.Idle().End })
		h.do(t, "Harmless", func() { endH = mh.Harmless().End })
		isolateOp(iso.Isolate, &relA).wait(t, "A")
		ei := a.start(end)
		waitHeld(t, &iso, 1)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var err error
		of := goOp(func() { _, err = iso.IsolateFullContext(ctx) })
		waitQueued(t, &iso, 0, 1)
		relA()
		ei.blocked(t, "idle end after the plain release, a full request pending")
		of.blocked(t, "full request while mh is harmless")
		cancel()
		of.wait(t, "abandoned full request")
		require.ErrorIs(t, err, context.Canceled)
		ei.wait(t, "idle end once the full request is abandoned")
		a.do(t, "Leave", m.Leave)
		h.do(t, "end and Leave", func() { endH(); mh.Leave() })
	})
}
