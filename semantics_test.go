package isolate

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// Focused tests, one or more per numbered semantic of the core issue (S1 to
// S11) and per feature of full isolation, Poll and TryIsolate. Each test
// drives members on actors (helpers_test.go) and checks who is blocked and
// who is not; see each test for what it would catch.

// S1: a member cannot end a harmless scope while someone else is isolated,
// outsider or member, and no isolation begins while a member runs.
func TestS1MembersDoNotRunDuringIsolation(t *testing.T) {
	var iso Isolator
	a, b := newActor(t), newActor(t)
	m1, m2 := a.join(t, &iso), b.join(t, &iso)

	var relOut func()
	out := isolateOp(iso.Isolate, &relOut)
	out.blocked(t, "outsider isolation while two members run")
	var end1, end2 func()
	a.do(t, "m1 Harmless", func() { end1 = m1.Harmless() })
	out.blocked(t, "outsider isolation while one member runs")
	b.do(t, "m2 Harmless", func() { end2 = m2.Harmless() })
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
}

// S1: at most one goroutine is isolated at a time, whoever asks.
func TestS1OneIsolationAtATime(t *testing.T) {
	var iso Isolator
	a, b := newActor(t), newActor(t)
	m1, m2 := a.join(t, &iso), b.join(t, &iso)
	var end1, end2 func()
	a.do(t, "m1 Harmless", func() { end1 = m1.Harmless() })
	b.do(t, "m2 Harmless", func() { end2 = m2.Harmless() })

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
}

// S1: the grant is an owner, not "everyone looks harmless": an isolated
// member that opens harmless and idle scopes lets no waiting isolator in.
func TestS1NestedHarmlessInSectionLetsNobodyIn(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var rel func()
	a.do(t, "Isolate", func() { rel = m.Isolate() })

	var relP, relF func()
	p := isolateOp(iso.Isolate, &relP)
	waitQueued(t, &iso, 1, 0)
	var end func()
	a.do(t, "open Harmless in own section", func() { end = m.Harmless() })
	p.blocked(t, "plain isolator while the owner sits in a nested harmless scope")
	a.do(t, "end it and open Idle", func() { end(); end = m.Idle() })
	p.blocked(t, "plain isolator while the owner sits in a nested idle scope")
	f := isolateOp(iso.IsolateFull, &relF)
	waitQueued(t, &iso, 1, 1)
	f.blocked(t, "full isolator while the owner sits in a nested idle scope")
	assert.True(t, granted(&iso))
	a.do(t, "end Idle, release, open Harmless", func() { end(); rel(); end = m.Harmless() })
	// m is harmless, not idle: the plain request goes first.
	p.wait(t, "plain isolator after the owner's release")
	f.blocked(t, "full isolator while a plain one holds and m is not idle")
	relP()
	a.do(t, "end, then Idle", func() { end(); end = m.Idle() })
	f.wait(t, "full isolator once m is idle")
	relF()
	a.do(t, "end Idle", end)
	a.do(t, "Leave", m.Leave)
}

// S2: phase fairness. Members held back by an isolation run when it ends,
// before the next (already queued) isolation is granted, which then waits
// for them to become harmless again.
func TestS2ReleaseAdmitsHeldMembersFirst(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end func()
	a.do(t, "Harmless", func() { end = m.Harmless() })

	var relA, relB func()
	isolateOp(iso.Isolate, &relA).wait(t, "isolator A")
	e := a.start(end)
	waitHeld(t, &iso, 1)
	ob := isolateOp(iso.Isolate, &relB)
	waitQueued(t, &iso, 1, 0)

	relA()
	e.wait(t, "the member held by A, after A's release (before B)")
	ob.blocked(t, "isolator B while the admitted member runs")
	a.do(t, "Harmless again", func() { end = m.Harmless() })
	ob.wait(t, "isolator B once the member is harmless again")
	relB()
	a.do(t, "end", end)
	a.do(t, "Leave", m.Leave)
}

// S2 and S3: a Join held back by an isolation is admitted when it ends,
// before the next queued isolation.
func TestS2ReleaseAdmitsHeldJoinFirst(t *testing.T) {
	var iso Isolator
	var relA, relB func()
	isolateOp(iso.Isolate, &relA).wait(t, "isolator A")
	a := newActor(t)
	var m *Member
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
}

// S2: isolators are granted in arrival order, members and outsiders alike.
func TestS2IsolatorsGrantedInArrivalOrder(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "full"}[full], func(t *testing.T) {
			testArrivalOrder(t, full)
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
	members := make([]*Member, n)
	ends := make([]func(), n)
	for i := 1; i < n; i += 2 {
		actors[i] = newActor(t)
		members[i] = actors[i].join(t, &iso)
		actors[i].do(t, "Idle", func() { ends[i] = members[i].Idle() })
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
		case members[i] != nil && full:
			ops[i] = actors[i].start(func() { section(members[i].IsolateFull()) })
		case members[i] != nil:
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
	var iso Isolator
	x := newActor(t)
	mx := x.join(t, &iso)

	// Requested, not yet granted: mx runs.
	var rel func()
	o := isolateOp(iso.Isolate, &rel)
	waitQueued(t, &iso, 1, 0)
	a := newActor(t)
	var m *Member
	j := a.start(func() { m = iso.Join() })
	j.blocked(t, "Join while an isolation is requested")
	var endX func()
	x.do(t, "mx Harmless", func() { endX = mx.Harmless() })
	o.wait(t, "isolation once mx is harmless")
	j.blocked(t, "Join during the isolated section")
	rel()
	j.wait(t, "Join after the release")

	// The new member runs: the next isolation waits for it.
	o = isolateOp(iso.Isolate, &rel)
	o.blocked(t, "isolation while the new member runs")
	var end func()
	a.do(t, "new member Harmless", func() { end = m.Harmless() })
	o.wait(t, "isolation once the new member is harmless")
	rel()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
	x.do(t, "mx end and Leave", func() { endX(); mx.Leave() })
}

// S3: Leave of a member that keeps an isolation waiting lets it proceed,
// also when members in other slots still block it.
func TestS3LeaveOfBlockerLetsIsolationProceed(t *testing.T) {
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
}

// S4: release puts a member that isolated while running back to running:
// the next isolation, queued during the section or asked after it, waits
// for it (HAProxy 8fc707390: the next winner must not proceed while the
// previous owner still runs), and release does not wait for it.
func TestS4ReleaseRestoresRunning(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var rel, relB, end func()
	a.do(t, "Isolate", func() { rel = m.Isolate() })
	ob := isolateOp(iso.Isolate, &relB)
	waitQueued(t, &iso, 1, 0)
	a.do(t, "release with a request pending (must not wait for it)", rel)
	ob.blocked(t, "the next isolator while the previous owner runs on (HAProxy 8fc707390)")
	a.do(t, "Harmless", func() { end = m.Harmless() })
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
}

// S4: HAProxy a9c0252b2. The seed's release waited, harmless, for the other
// requests and then returned still marked harmless, so a third party could
// isolate while the releaser ran. Here: m isolates, B queues, m releases,
// B runs while m is harmless, m returns to running; then C must wait for m.
func TestS4ReleaserNotLeftHarmless(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var rel, relB, relC, end func()
	a.do(t, "Isolate", func() { rel = m.Isolate() })
	ob := isolateOp(iso.Isolate, &relB)
	waitQueued(t, &iso, 1, 0)
	a.do(t, "release", rel)
	a.do(t, "Harmless", func() { end = m.Harmless() })
	ob.wait(t, "B")
	e := a.start(end)
	waitHeld(t, &iso, 1)
	relB()
	e.wait(t, "m's harmless end after B's release")

	oc := isolateOp(iso.Isolate, &relC)
	oc.blocked(t, "third party C while the releaser runs (HAProxy a9c0252b2)")
	a.do(t, "Harmless", func() { end = m.Harmless() })
	oc.wait(t, "C once m is harmless")
	relC()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
}

// S4: a member that isolated from inside a harmless scope is harmless again
// after release: a new isolation proceeds while it stays in that scope.
func TestS4ReleaseRestoresHarmless(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end func()
	a.do(t, "Harmless, Isolate, release", func() {
		end = m.Harmless()
		m.Isolate()()
	})
	a.endWaitsOut(t, iso.Isolate, end, "the releaser stays harmless")

	// The same from inside an idle scope: a full isolation proceeds.
	a.do(t, "Idle, IsolateFull, release", func() {
		end = m.Idle()
		m.IsolateFull()()
	})
	a.endWaitsOut(t, iso.IsolateFull, end, "the releaser stays idle")
	a.do(t, "Leave", m.Leave)
}

// S5: Harmless nests in Harmless and in Idle, Idle in Idle: only the
// outermost end makes the member run.
func TestS5HarmlessScopesNest(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var outer func()
	a.do(t, "Harmless in Harmless", func() {
		outer = m.Harmless()
		m.Harmless()()
	})
	a.endWaitsOut(t, iso.Isolate, outer, "the inner harmless scope ended, the outer one open")

	a.do(t, "Harmless and Idle in Idle", func() {
		outer = m.Idle()
		m.Harmless()()
		m.Idle()()
	})
	a.endWaitsOut(t, iso.IsolateFull, outer, "the inner scopes ended, the idle one open")
	a.do(t, "Leave", m.Leave)
}

// S5: Isolate nests inside the member's own isolation without waiting, and
// the inner release keeps the section.
func TestS5IsolateNestsInOwnSection(t *testing.T) {
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
		outer = m.Harmless()
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
}

// S5: HAProxy a9a9e9aac. A harmless or idle scope inside the member's own
// isolated section, with requests pending, does not wait for its own
// isolation when it ends.
func TestS5HarmlessInOwnSectionDoesNotWaitForItself(t *testing.T) {
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
		m.Harmless()()
		m.Idle()()
		end := m.Harmless()
		m.Poll()
		end()
		m.Poll()
	})
	po.blocked(t, "plain request during the section")
	a.do(t, "release, Idle", func() { rel(); rel = m.Idle() })
	// Both eligible now; the older plain one goes first.
	po.wait(t, "plain request")
	of.blocked(t, "full request while the plain one holds")
	relP()
	of.wait(t, "full request")
	relF()
	a.do(t, "end and Leave", func() { rel(); m.Leave() })
}

// S6: IsolateContext gives up when ctx ends, with an error that wraps
// ctx.Err(), for outsiders and members, full and plain.
func TestS6IsolateContextGivesUp(t *testing.T) {
	var iso Isolator
	x := newActor(t)
	mx := x.join(t, &iso) // running: every request waits
	a := newActor(t)
	m := a.join(t, &iso)
	var endM func()
	a.do(t, "m Harmless", func() { endM = m.Harmless() })

	type isolateCtx func(context.Context) (func(), error)
	for _, tc := range []struct {
		name    string
		isolate isolateCtx
		on      *actor // nil: a goroutine of its own
	}{
		{"outsider", iso.IsolateContext, nil},
		{"outsider full", iso.IsolateFullContext, nil},
		{"member", m.IsolateContext, a},
		{"member full", m.IsolateFullContext, a},
	} {
		for _, deadline := range []bool{false, true} {
			var ctx context.Context
			var cancel context.CancelFunc
			want := context.Canceled
			if deadline {
				ctx, cancel = context.WithTimeout(context.Background(), 20*time.Millisecond)
				want = context.DeadlineExceeded
			} else {
				ctx, cancel = context.WithCancel(context.Background())
			}
			var rel func()
			var err error
			call := func() { rel, err = tc.isolate(ctx) }
			var o *op
			if tc.on != nil {
				o = tc.on.start(call)
			} else {
				o = goOp(call)
			}
			if !deadline {
				eventually(t, func() bool { p, f, _ := queued(&iso); return p+f == 1 }, "request queued")
				o.blocked(t, tc.name+" request")
				cancel()
			}
			o.wait(t, tc.name+" request after its context ended")
			cancel()
			assert.Nil(t, rel, tc.name)
			require.ErrorIs(t, err, want, tc.name)
			assert.True(t, strings.HasPrefix(err.Error(), "isolate: "), "%s: %v", tc.name, err)
			plain, full, held := queued(&iso)
			assert.Equal(t, [3]int{}, [3]int{plain, full, held}, tc.name+": no trace in the queues")
			assert.Zero(t, iso.gate.Load(), tc.name+": no trace in the gate")
		}
	}

	// Later isolations work, and m, which asked from a harmless scope,
	// is harmless again.
	var rel func()
	o := isolateOp(iso.Isolate, &rel)
	o.blocked(t, "isolation while mx runs")
	x.do(t, "mx Leave", mx.Leave)
	o.wait(t, "isolation after mx left (m harmless after its abandoned requests)")
	rel()
	a.do(t, "end and Leave", func() { endM(); m.Leave() })
}

// S6: an abandoned request leaves no trace: the members and Joins it held
// back are woken, and members are not held back afterwards.
func TestS6AbandonedRequestWakesWhomItHeld(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "full"}[full], func(t *testing.T) {
			var iso Isolator
			x := newActor(t)
			mx := x.join(t, &iso) // running: the request waits
			h := newActor(t)
			mh := h.join(t, &iso)
			var endH func()
			h.do(t, "Idle", func() { endH = mh.Idle() })

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var err error
			o := goOp(func() {
				if full {
					_, err = iso.IsolateFullContext(ctx)
				} else {
					_, err = iso.IsolateContext(ctx)
				}
			})
			eventually(t, func() bool { p, f, _ := queued(&iso); return p+f == 1 }, "request queued")
			eh := h.start(endH)
			j := newActor(t)
			var mj *Member
			jo := j.start(func() { mj = iso.Join() })
			waitHeld(t, &iso, 2)
			eh.blocked(t, "idle end while the request is pending")
			jo.blocked(t, "Join while the request is pending")

			cancel()
			o.wait(t, "abandoned request")
			require.ErrorIs(t, err, context.Canceled)
			eh.wait(t, "idle end woken by the abandoned request")
			jo.wait(t, "Join woken by the abandoned request")
			h.do(t, "Harmless and Idle ends pass at once", func() {
				mh.Harmless()()
				mh.Idle()()
			})
			x.do(t, "Poll passes at once", mx.Poll)

			// Later isolations work.
			x.do(t, "mx Leave", mx.Leave)
			j.do(t, "mj Leave", mj.Leave)
			h.do(t, "Idle", func() { endH = mh.Idle() })
			var rel func()
			isolateOp(iso.IsolateFull, &rel).wait(t, "a later full isolation")
			rel()
			isolateOp(iso.Isolate, &rel).wait(t, "a later plain isolation")
			rel()
			h.do(t, "end and Leave", func() { endH(); mh.Leave() })
		})
	}
}

// S6: a member's abandoned request puts it back to running as soon as no
// isolation is granted; it does not wait for the requests queued behind.
func TestS6AbandonedMemberRequestDoesNotWaitForOthers(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)

	// An isolation is granted (A, which waited for m until m asked too):
	// the member waits for its release only, not for B behind it.
	var relA, relB func()
	oa := isolateOp(iso.Isolate, &relA)
	waitQueued(t, &iso, 1, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var err error
	mi := a.start(func() { _, err = m.IsolateContext(ctx) })
	oa.wait(t, "A, once m waits in its own request")
	waitQueued(t, &iso, 1, 0)
	ob := isolateOp(iso.Isolate, &relB)
	waitQueued(t, &iso, 2, 0)
	cancel()
	waitHeld(t, &iso, 1)
	mi.blocked(t, "abandoned request while A holds (the member would run)")
	relA()
	mi.wait(t, "abandoned request after A's release, with B pending")
	require.ErrorIs(t, err, context.Canceled)
	ob.blocked(t, "B while the member runs")

	// No isolation granted: the member returns at once, running.
	x := newActor(t)
	var mx *Member
	jx := x.start(func() { mx = iso.Join() })
	var endM func()
	a.do(t, "Harmless", func() { endM = m.Harmless() })
	ob.wait(t, "B")
	relB()
	jx.wait(t, "mx Join")
	a.do(t, "end", endM)
	ctx, cancel = context.WithCancel(context.Background())
	mi = a.start(func() { _, err = m.IsolateContext(ctx) })
	waitQueued(t, &iso, 1, 0)
	ob = isolateOp(iso.Isolate, &relB)
	waitQueued(t, &iso, 2, 0)
	cancel()
	mi.wait(t, "abandoned request, no isolation granted, B pending")
	require.ErrorIs(t, err, context.Canceled)
	x.do(t, "mx Leave", mx.Leave)
	ob.blocked(t, "B while the member runs")
	a.do(t, "Leave", m.Leave)
	ob.wait(t, "B")
	relB()
}

// S6: a context that is done already makes IsolateContext return at once,
// even when it would wait, and leaves no trace.
func TestS6IsolateContextAlreadyDone(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end, relA func()
	a.do(t, "Harmless", func() { end = m.Harmless() })
	isolateOp(iso.Isolate, &relA).wait(t, "A")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	calls := map[string]func() (func(), error){
		"outsider":                   func() (func(), error) { return iso.IsolateContext(ctx) },
		"outsider full":              func() (func(), error) { return iso.IsolateFullContext(ctx) },
		"outsider, deadline past":    func() (func(), error) { return iso.IsolateContext(dctx) },
		"member (in harmless scope)": func() (func(), error) { return m.IsolateContext(ctx) },
		"member full":                func() (func(), error) { return m.IsolateFullContext(ctx) },
	}
	for name, call := range calls {
		var rel func()
		var err error
		f := func() { rel, err = call() }
		if strings.HasPrefix(name, "member") {
			a.do(t, name, f)
		} else {
			goOp(f).wait(t, name)
		}
		assert.Nil(t, rel, name)
		if name == "outsider, deadline past" {
			assert.ErrorIs(t, err, context.DeadlineExceeded, name)
		} else {
			assert.ErrorIs(t, err, context.Canceled, name)
		}
		plain, full, held := queued(&iso)
		assert.Equal(t, [3]int{}, [3]int{plain, full, held}, name)
	}
	relA()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
}

// S6: a grant that races with the cancellation is rolled back: the caller
// sees one outcome, and an error leaves no isolation held.
func TestS6GrantRacingCancellation(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end func()
	a.do(t, "Harmless", func() { end = m.Harmless() })
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	var won, lost int
	for i := range rounds {
		relA := iso.Isolate()
		ctx, cancel := context.WithCancel(context.Background())
		var rel func()
		var err error
		var o *op
		if i%2 == 0 {
			o = goOp(func() { rel, err = iso.IsolateContext(ctx) })
		} else {
			o = a.start(func() { rel, err = m.IsolateContext(ctx) })
		}
		waitQueued(t, &iso, 1, 0)
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); cancel() }()
		go func() { defer wg.Done(); relA() }()
		wg.Wait()
		o.wait(t, "request")
		if err != nil {
			require.ErrorIs(t, err, context.Canceled)
			require.Nil(t, rel)
			lost++
		} else {
			require.NotNil(t, rel)
			won++
			if i%2 == 0 {
				rel()
			} else {
				a.do(t, "release", rel)
			}
		}
		r, ok := iso.TryIsolate()
		require.True(t, ok, "round %d (err %v): isolation left held or queued", i, err)
		r()
	}
	t.Logf("granted %d, abandoned %d", won, lost)
	a.do(t, "end and Leave", func() { end(); m.Leave() })
}

// S7: a panic inside `defer ....Isolate()()` releases the isolation.
func TestS7PanicInSectionReleases(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end func()
	a.do(t, "Harmless", func() { end = m.Harmless() })

	p := panicOf(func() {
		defer iso.Isolate()()
		panic("boom")
	})
	assert.Equal(t, "boom", p)
	r, ok := iso.TryIsolate()
	require.True(t, ok, "outsider's isolation released by the panic")
	r()

	a.do(t, "member panics in its section", func() {
		end()
		p = panicOf(func() {
			defer m.Isolate()()
			defer m.Harmless()()
			panic("boom")
		})
		assert.False(t, m.Isolated())
		end = m.Harmless()
	})
	assert.Equal(t, "boom", p)
	r, ok = iso.TryIsolate()
	require.True(t, ok, "member's isolation released by the panic")
	r()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
}

// S9: more than a thousand members, over many groups of 64 slots: an
// isolation waits for a running member in the last group and proceeds when
// every member is harmless.
func TestS9ThousandsOfMembers(t *testing.T) {
	var iso Isolator
	const n = 1100
	quit := make(chan struct{})
	var ready, done sync.WaitGroup
	ready.Add(n)
	done.Add(n)
	for range n {
		go func() {
			defer done.Done()
			m := iso.Join()
			end := m.Harmless()
			ready.Done()
			<-quit
			end()
			m.Leave()
		}()
	}
	ready.Wait()
	a := newActor(t)
	last := a.join(t, &iso) // slot n: in group n/64
	require.Equal(t, n, last.slot.index)
	var rel func()
	o := isolateOp(iso.Isolate, &rel)
	o.blocked(t, "isolation while the last member runs")
	var end func()
	a.do(t, "Harmless", func() { end = last.Harmless() })
	o.wait(t, "isolation with all members harmless")
	rel()
	close(quit)
	done.Wait()
	a.do(t, "end and Leave", func() { end(); last.Leave() })
}

// S9 and S1: a thousand members join and leave at any time while outsiders
// and members isolate; no member runs inside an isolated section.
func TestS9ChurnWithIsolations(t *testing.T) {
	var iso Isolator
	members := 1000
	if testing.Short() {
		members = 300
	}
	var running atomic.Int32 // members between admission and harmless/leave
	var gen int              // plain: written inside isolated sections only
	var sections atomic.Int64
	section := func() {
		if r := running.Load(); r != 0 {
			t.Errorf("%d members running inside an isolated section", r)
		}
		gen++
		sections.Add(1)
	}
	readGen := func() {
		if gen < 0 {
			t.Error("gen < 0")
		}
	}
	var g errgroup.Group
	stop := make(chan struct{})
	var outsiders sync.WaitGroup
	for range 2 {
		outsiders.Add(1)
		go func() {
			defer outsiders.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				rel := iso.Isolate()
				section()
				rel()
			}
		}()
	}
	for i := range members {
		g.Go(func() error {
			m := iso.Join()
			running.Add(1)
			readGen()
			for k := range 3 {
				running.Add(-1)
				end := m.Harmless()
				end()
				running.Add(1)
				readGen()
				if i%50 == 0 && k == 1 {
					running.Add(-1)
					rel := m.Isolate()
					section()
					rel()
					running.Add(1)
				}
			}
			running.Add(-1)
			m.Leave()
			return nil
		})
	}
	require.NoError(t, g.Wait())
	close(stop)
	outsiders.Wait()
	t.Logf("%d isolated sections", sections.Load())
	assert.Positive(t, sections.Load())
}

// S10: members parked in harmless or idle scopes cost nothing: isolations
// complete while they sit in a channel receive, nothing touches their slots
// (no watched flag, never held), and their ends pass without waiting.
func TestS10ParkedMembersAreNeverWoken(t *testing.T) {
	var iso Isolator
	const n = 100
	quit := make(chan struct{})
	var ready sync.WaitGroup
	ready.Add(n)
	slots := make([]*slot, n)
	ops := make([]*op, n)
	for i := range n {
		ops[i] = goOp(func() {
			m := iso.Join()
			slots[i] = m.slot
			var end func()
			if i%2 == 0 {
				end = m.Harmless()
			} else {
				end = m.Idle()
			}
			ready.Done()
			<-quit
			end()
			m.Leave()
		})
	}
	ready.Wait()
	a := newActor(t)
	worker := a.join(t, &iso)
	rounds := 300
	for i := range rounds {
		switch i % 3 {
		case 0:
			var end func()
			a.do(t, "worker Harmless", func() { end = worker.Harmless() })
			iso.Isolate()()
			a.do(t, "worker end", end)
		case 1:
			a.do(t, "member isolates", func() { worker.Isolate()() })
		case 2:
			// The worker is running: the request waits for it, and
			// must watch it alone.
			var rel, end func()
			o := isolateOp(iso.Isolate, &rel)
			waitQueued(t, &iso, 1, 0)
			a.do(t, "worker Harmless", func() { end = worker.Harmless() })
			o.wait(t, "isolation")
			rel()
			a.do(t, "worker end", end)
		}
	}
	for i, s := range slots {
		want := stateHarmless
		if i%2 == 1 {
			want = stateIdle
		}
		assert.Equal(t, want, s.state.Load(), "parked member %d's state word", i)
	}
	close(quit)
	for _, o := range ops {
		o.wait(t, "parked member's end")
	}
	for _, s := range slots {
		assert.Nil(t, s.ch, "a parked member was held at its end")
	}
	a.do(t, "Leave", worker.Leave)
}

// S11: happens-before, as the race detector sees it. Plain data written in
// isolated sections is read by members after their harmless ends; plain
// data written by members before they become harmless is read in isolated
// sections. Any missing edge is a reported race under -race.
func TestS11HappensBefore(t *testing.T) {
	var iso Isolator
	const members = 4
	iterations := 2000 // per member
	if testing.Short() {
		iterations = 500
	}
	var shared [4]int     // written in sections, read by running members
	var own [members]int  // each written by its member while running
	var seen [members]int // written in sections: what they saw of own
	write := func() {
		for i := range own {
			if own[i] < seen[i] {
				t.Errorf("member %d's counter went back: %d < %d", i, own[i], seen[i])
			}
			seen[i] = own[i]
		}
		shared[0]++
		for j := 1; j < len(shared); j++ {
			shared[j] = shared[0]
		}
	}
	var finished atomic.Int32
	var g errgroup.Group
	for i := range members {
		g.Go(func() error {
			defer finished.Add(1)
			m := iso.Join()
			defer m.Leave()
			for k := range iterations {
				own[i]++
				for j := range shared {
					if shared[j] != shared[0] {
						return errors.New("torn shared data seen by a running member")
					}
				}
				switch k % 3 {
				case 0:
					m.Harmless()()
				case 1:
					m.Idle()()
				case 2:
					m.Poll()
				}
				if k%10 == 0 {
					rel := m.Isolate()
					write()
					rel()
				}
			}
			return nil
		})
	}
	sections := 0
	for ; finished.Load() < members; sections++ {
		var rel func()
		if sections%4 == 3 {
			rel = iso.IsolateFull()
		} else {
			rel = iso.Isolate()
		}
		write()
		rel()
	}
	require.NoError(t, g.Wait())
	t.Logf("%d outsider sections", sections)
}

// Full isolation waits for members in harmless (not idle) scopes and
// proceeds when every member is idle; a plain isolation proceeds while
// members are idle.
func TestFullIsolationNeedsIdleMembers(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end, rel func()
	a.do(t, "Harmless", func() { end = m.Harmless() })
	of := isolateOp(iso.IsolateFull, &rel)
	of.blocked(t, "full isolation while a member is harmless, not idle")
	a.do(t, "end Harmless, Idle", func() { end(); end = m.Idle() })
	of.wait(t, "full isolation once the member is idle")
	rel()
	isolateOp(iso.Isolate, &rel).wait(t, "plain isolation while the member is idle")
	rel()

	// A member isolator, full, waits for another member's idle scope.
	b := newActor(t)
	mb := b.join(t, &iso)
	var endB func()
	b.do(t, "Harmless", func() { endB = mb.Harmless() })
	a.do(t, "end Idle", end)
	mi := a.start(func() { rel = m.IsolateFull() })
	mi.blocked(t, "member's full isolation while another is harmless")
	b.do(t, "end Harmless, Idle", func() { endB(); endB = mb.Idle() })
	mi.wait(t, "member's full isolation once the other is idle")
	a.do(t, "release and Leave", func() { rel(); m.Leave() })
	b.do(t, "end and Leave", func() { endB(); mb.Leave() })
}

// A pending full request holds back Idle ends and Joins, not Harmless ends
// or Poll (a member in the middle of a job must be able to reach idle).
// Once granted it holds everyone.
func TestFullRequestHoldsIdleEndsAndJoinsOnly(t *testing.T) {
	var iso Isolator
	ah, ai, ar := newActor(t), newActor(t), newActor(t)
	mh, mi, mr := ah.join(t, &iso), ai.join(t, &iso), ar.join(t, &iso)
	var endH, endI func()
	ah.do(t, "Harmless", func() { endH = mh.Harmless() })
	ai.do(t, "Idle", func() { endI = mi.Idle() })
	// mr runs.

	var rel func()
	of := isolateOp(iso.IsolateFull, &rel)
	waitQueued(t, &iso, 0, 1)
	ei := ai.start(endI)
	j := newActor(t)
	var mj *Member
	jo := j.start(func() { mj = iso.Join() })
	waitHeld(t, &iso, 2)
	ah.do(t, "Harmless end with a full request pending", endH)
	ar.do(t, "Poll with a full request pending", mr.Poll)
	ei.blocked(t, "Idle end with a full request pending")
	jo.blocked(t, "Join with a full request pending")
	of.blocked(t, "full isolation while two members run")

	ah.do(t, "Idle", func() { endH = mh.Idle() })
	ar.do(t, "Idle", func() { endI = mr.Idle() })
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
		m *Member
	}{{ah, mh}, {ai, mi}, {ar, mr}, {j, mj}} {
		x.a.do(t, "Leave", x.m.Leave)
	}
}

// Requests are granted in arrival order across both queues: an eligible
// full request goes ahead of plain requests that came after it, and waits
// for an older plain one (while members ending idle stay held for it); a
// plain request passes a full one that is not eligible.
func TestFullRequestFairness(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end func()
	a.do(t, "Idle", func() { end = m.Idle() })

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
	a.do(t, "end Idle, Harmless", func() { end(); end = m.Harmless() })
	of := isolateOp(iso.IsolateFull, &relF)
	waitQueued(t, &iso, 0, 1)
	po := isolateOp(iso.Isolate, &relP)
	po.wait(t, "the plain request passing an ineligible full one")
	of.blocked(t, "the full request during the plain isolation")
	relP()
	a.do(t, "end Harmless, Idle", func() { end(); end = m.Idle() })
	of.wait(t, "the full request once m is idle")
	relF()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
}

// A plain release holds back members ending idle while a full request is
// pending, so that the full request gets through: with members that go idle
// between jobs and a stream of plain isolators, the full one is granted.
func TestFullRequestNotStarvedByPlainOnes(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end, relA, relF, relP func()
	a.do(t, "Idle", func() { end = m.Idle() })
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
	a.do(t, "Harmless", func() { end = m.Harmless() })
	po.wait(t, "plain request")
	relP()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
}

// A member that isolates full back to back does not starve an older plain
// request: its next full request is eligible at once (it is the only
// member), but the plain one came first. HAProxy lets a plain isolation
// win over a full one; granting every eligible full request first would
// turn that around, and the model found the starvation (model/README.md).
func TestFullRequestsBackToBackDoNotStarvePlain(t *testing.T) {
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
}

// A member waiting in IsolateFull counts as idle: two members asking for
// full isolations at once do not deadlock.
func TestMemberWaitingForFullCountsAsIdle(t *testing.T) {
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
	a.do(t, "Idle", func() { rel1 = m1.Idle() })
	i2.wait(t, "m2's full request")
	b.do(t, "release and Leave", func() { rel2(); m2.Leave() })
	a.do(t, "end and Leave", func() { rel1(); m1.Leave() })
}

// Poll lets a requested isolation run, and returns after its release.
func TestPollLetsIsolationRun(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	a.do(t, "Poll with nothing pending", func() {
		m.Poll()
		assert.Equal(t, stateRunning, m.state.Load(), "Poll changed the state")
	})
	var rel func()
	o := isolateOp(iso.Isolate, &rel)
	o.blocked(t, "isolation while the member runs")
	p := a.start(m.Poll)
	o.wait(t, "isolation once the member polls")
	p.blocked(t, "Poll during the isolation")
	rel()
	p.wait(t, "Poll after the release")
	// Back to running.
	o = isolateOp(iso.Isolate, &rel)
	o.blocked(t, "isolation after the member's Poll returned")
	p = a.start(m.Poll)
	o.wait(t, "isolation")
	rel()
	p.wait(t, "Poll")
	a.do(t, "Leave", m.Leave)
}

// Poll inside a harmless, idle or own isolated scope does nothing and never
// waits.
func TestPollNoOpInScopes(t *testing.T) {
	var iso Isolator
	a := newActor(t)
	m := a.join(t, &iso)
	var end, rel func()
	for _, open := range []func() func(){m.Harmless, m.Idle} {
		a.do(t, "open scope", func() { end = open() })
		isolateOp(iso.Isolate, &rel).wait(t, "isolation")
		a.do(t, "Poll in the scope during an isolation", m.Poll)
		rel()
		a.do(t, "end", end)
	}
	a.do(t, "Isolate", func() { rel = m.Isolate() })
	var relB func()
	ob := isolateOp(iso.Isolate, &relB)
	waitQueued(t, &iso, 1, 0)
	a.do(t, "Poll in own section with a request pending", func() {
		m.Poll()
		assert.True(t, m.Isolated())
	})
	ob.blocked(t, "the request after the owner's Poll")
	a.do(t, "release, Harmless", func() { rel(); end = m.Harmless() })
	ob.wait(t, "the request")
	relB()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
}

// TryIsolate succeeds when nothing would wait and otherwise fails leaving
// no trace.
func TestTryIsolate(t *testing.T) {
	var iso Isolator
	r, ok := iso.TryIsolate()
	require.True(t, ok, "no members")
	r()

	a, b := newActor(t), newActor(t)
	m, mb := a.join(t, &iso), b.join(t, &iso)
	noTrace := func(what string) {
		t.Helper()
		plain, full, held := queued(&iso)
		assert.Equal(t, [3]int{}, [3]int{plain, full, held}, what)
		assert.Zero(t, iso.gate.Load(), what)
	}
	_, ok = iso.TryIsolate()
	assert.False(t, ok, "outsider while members run")
	noTrace("after a failed outsider TryIsolate")
	var end, endB func()
	b.do(t, "mb Harmless", func() { endB = mb.Harmless() })
	a.do(t, "member TryIsolate", func() {
		r, ok := m.TryIsolate()
		require.True(t, ok, "member while the other is harmless")
		assert.True(t, m.Isolated())
		r()
		assert.False(t, m.Isolated())
	})
	_, ok = iso.TryIsolate()
	assert.False(t, ok, "outsider while m runs")
	b.do(t, "end", endB)
	a.do(t, "member TryIsolate while mb runs", func() {
		_, ok := m.TryIsolate()
		assert.False(t, ok)
		assert.False(t, m.Isolated())
	})
	noTrace("after a failed member TryIsolate")
	// The failed attempts left m running: an isolation waits for it.
	b.do(t, "mb Harmless", func() { endB = mb.Harmless() })
	var rel func()
	o := isolateOp(iso.Isolate, &rel)
	o.blocked(t, "isolation while m runs after its failed TryIsolate")
	a.do(t, "Harmless", func() { end = m.Harmless() })
	o.wait(t, "isolation")

	// Held: nobody gets one.
	_, ok = iso.TryIsolate()
	assert.False(t, ok, "outsider during an isolation")
	a.do(t, "member TryIsolate during an isolation", func() {
		_, ok := m.TryIsolate()
		assert.False(t, ok)
	})
	rel()
	r, ok = iso.TryIsolate()
	require.True(t, ok, "outsider with every member harmless")
	r()

	// Queued: a request waits for a running member; TryIsolate does not
	// jump the queue although every other member is harmless.
	a.do(t, "end", end)
	o = isolateOp(iso.Isolate, &rel)
	waitQueued(t, &iso, 1, 0)
	b.do(t, "mb TryIsolate with a request queued", func() {
		_, ok := mb.TryIsolate()
		assert.False(t, ok)
	})
	_, ok = iso.TryIsolate()
	assert.False(t, ok, "outsider with a request queued")
	waitQueued(t, &iso, 1, 0)
	a.do(t, "Harmless", func() { end = m.Harmless() })
	o.wait(t, "the queued request")
	rel()

	// A full request is queued and not eligible (both members harmless,
	// not idle): TryIsolate fails rather than pass it.
	o = isolateOp(iso.IsolateFull, &rel)
	waitQueued(t, &iso, 0, 1)
	_, ok = iso.TryIsolate()
	assert.False(t, ok, "outsider with a full request queued")
	b.do(t, "mb TryIsolate with a full request queued", func() {
		_, ok := mb.TryIsolate()
		assert.False(t, ok)
	})
	waitQueued(t, &iso, 0, 1)
	a.do(t, "end, Idle", func() { end(); end = m.Idle() })
	b.do(t, "end, Idle", func() { endB(); endB = mb.Idle() })
	o.wait(t, "the full request")
	rel()
	a.do(t, "end and Leave", func() { end(); m.Leave() })
	b.do(t, "end and Leave", func() { endB(); mb.Leave() })
}

// Isolated is true only inside the member's own isolated section.
func TestIsolated(t *testing.T) {
	var iso Isolator
	a, b := newActor(t), newActor(t)
	m, mb := a.join(t, &iso), b.join(t, &iso)
	var endB func()
	b.do(t, "Idle", func() { endB = mb.Idle() })
	a.do(t, "own sections", func() {
		assert.False(t, m.Isolated(), "running")
		r := m.Isolate()
		assert.True(t, m.Isolated(), "isolated")
		e := m.Harmless()
		assert.True(t, m.Isolated(), "in a harmless scope inside the section")
		e()
		r()
		assert.False(t, m.Isolated(), "after release")
		e = m.Harmless()
		assert.False(t, m.Isolated(), "harmless")
		r = m.IsolateFull()
		assert.True(t, m.Isolated(), "fully isolated from a harmless scope")
		r()
		assert.False(t, m.Isolated(), "after release")
		e()
	})
	var rel func()
	a.do(t, "m isolates", func() { rel = m.Isolate() })
	b.do(t, "another member's view", func() { assert.False(t, mb.Isolated()) })
	a.do(t, "release and Leave", func() { rel(); m.Leave() })
	b.do(t, "end and Leave", func() { endB(); mb.Leave() })
}

// Members held past a plain release because a full request is pending run
// when that full request is abandoned (it was not eligible: another member
// is harmless, not idle).
func TestAbandonedFullRequestFreesMembersHeldForIt(t *testing.T) {
	var iso Isolator
	a, h := newActor(t), newActor(t)
	m, mh := a.join(t, &iso), h.join(t, &iso)
	var end, endH, relA func()
	a.do(t, "Idle", func() { end = m.Idle() })
	h.do(t, "Harmless", func() { endH = mh.Harmless() })
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
}
