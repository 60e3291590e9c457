package isolate

// Tests of the ...Context forms of isolation (IsolateContext and
// IsolateFullContext, members' and outsiders'): a request gives up when
// its context ends, or at once when it is done already, and leaves no
// trace (whom it held back runs, a member's own request does not wait for
// the others); a grant that races with the cancellation is rolled back.
// SynchronizeContext and BarrierContext are grace_ tests. Focused tests,
// as helpers_test.go describes.

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// IsolateContext gives up when ctx ends, with an error that wraps
// ctx.Err(), for outsiders and members, full and plain.
func TestIsolateContextGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		x := newActor(t)
		mx := x.join(t, &iso) // running: every request waits
		a := newActor(t)
		m := a.join(t, &iso)
		var endM func()
		a.do(t, "m Harmless", func() { endM = m.Harmless().End })
		// A full request comes from an idle scope (inside a harmless one it
		// panics: the member may hold references).
		b := newActor(t)
		mb := b.join(t, &iso)
		var endB func()
		b.do(t, "mb Idle", func() { endB = mb.Idle().End })
		defer b.do(t, "mb end and Leave", func() { endB(); mb.Leave() })

		type isolateCtx func(context.Context) (func(), error)
		for _, tc := range []struct {
			name    string
			isolate isolateCtx
			on      *actor // nil: a goroutine of its own
		}{
			{"outsider", iso.IsolateContext, nil},
			{"outsider full", iso.IsolateFullContext, nil},
			{"member", m.IsolateContext, a},
			{"member full (from an idle scope)", mb.IsolateFullContext, b},
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
				assert.Zero(t, iso.gate.load(), tc.name+": no trace in the gate")
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
	})
}

// An abandoned request leaves no trace: the members and Joins it held
// back are woken, and members are not held back afterwards.
func TestAbandonedRequestWakesWhomItHeld(t *testing.T) {
	for _, full := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "full"}[full], func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var iso Isolator
				x := newActor(t)
				mx := x.join(t, &iso) // running: the request waits
				h := newActor(t)
				mh := h.join(t, &iso)
				var endH func()
				h.do(t, "Idle", func() { endH = mh.Idle().End })

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
				var mj Member
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
					mh.Harmless().End()
					mh.Idle().End()
				})
				x.do(t, "Poll passes at once", mx.Poll)

				// Later isolations work.
				x.do(t, "mx Leave", mx.Leave)
				j.do(t, "mj Leave", mj.Leave)
				h.do(t, "Idle", func() { endH = mh.Idle().End })
				var rel func()
				isolateOp(iso.IsolateFull, &rel).wait(t, "a later full isolation")
				rel()
				isolateOp(iso.Isolate, &rel).wait(t, "a later plain isolation")
				rel()
				h.do(t, "end and Leave", func() { endH(); mh.Leave() })
			})
		})
	}
}

// A member's abandoned request puts it back to running as soon as no
// isolation is granted; it does not wait for the requests queued behind.
func TestAbandonedMemberRequestDoesNotWaitForOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
		var mx Member
		jx := x.start(func() { mx = iso.Join() })
		var endM func()
		a.do(t, "Harmless", func() { endM = m.Harmless().End })
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
	})
}

// A context that is done already makes IsolateContext return at once,
// even when it would wait, and leaves no trace.
func TestIsolateContextAlreadyDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end, relA func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		b := newActor(t)
		mb := b.join(t, &iso)
		var endB func()
		b.do(t, "Idle", func() { endB = mb.Idle().End })
		isolateOp(iso.Isolate, &relA).wait(t, "A")

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer dcancel()
		calls := map[string]func() (func(), error){
			"outsider":                    func() (func(), error) { return iso.IsolateContext(ctx) },
			"outsider full":               func() (func(), error) { return iso.IsolateFullContext(ctx) },
			"outsider, deadline past":     func() (func(), error) { return iso.IsolateContext(dctx) },
			"member (in harmless scope)":  func() (func(), error) { return m.IsolateContext(ctx) },
			"member full (in idle scope)": func() (func(), error) { return mb.IsolateFullContext(ctx) },
		}
		for name, call := range calls {
			var rel func()
			var err error
			f := func() { rel, err = call() }
			switch {
			case strings.HasPrefix(name, "member full"):
				b.do(t, name, f)
			case strings.HasPrefix(name, "member"):
				a.do(t, name, f)
			default:
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
		b.do(t, "end and Leave", func() { endB(); mb.Leave() })
	})
}

// A grant that races with the cancellation is rolled back: the caller
// sees one outcome, and an error leaves no isolation held.
func TestGrantRacingCancellation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })
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
			isolatesAtOnce(t, &iso, "round %d (err %v): isolation left held or queued", i, err)
		}
		t.Logf("granted %d, abandoned %d", won, lost)
		st := iso.Stats()
		assert.Equal(t, uint64(2*rounds+won), st.Isolations, "grants rolled back are not counted")
		assert.Equal(t, uint64(won), st.Waited, "the waits of grants rolled back are not counted")
		assert.Equal(t, uint64(lost), st.Abandoned)
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}
