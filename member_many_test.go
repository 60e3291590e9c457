package isolate

// Tests of many members: thousands of them over many groups of 64 slots,
// churn while isolations run, members parked in harmless or idle scopes
// that isolations never wake, and scan's shortcut over dense slot groups.
// What a burst of members leaves behind is in member_memory_test.go.

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// More than a thousand members, over many groups of 64 slots: an
// isolation waits for a running member in the last group and proceeds when
// every member is harmless.
func TestThousandsOfMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		const n = 1100
		stop := parkHarmless(t, &iso, n)
		a := newActor(t)
		last := a.join(t, &iso) // slot n: in group n/64
		require.Equal(t, n, last.mb.slot.index)
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while the last member runs")
		var end func()
		a.do(t, "Harmless", func() { end = last.Harmless().End })
		o.wait(t, "isolation with all members harmless")
		rel()
		stop()
		a.do(t, "end and Leave", func() { end(); last.Leave() })
	})
}

// A thousand members join and leave at any time while outsiders
// and members isolate; no member runs inside an isolated section.
func TestMemberChurnWithIsolations(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
					end.End()
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
	})
}

// Members parked in harmless or idle scopes cost nothing: isolations
// complete while they sit in a channel receive, nothing touches their slots
// (no watched flag, never held), and their ends pass without waiting.
func TestParkedMembersAreNeverWoken(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
				slots[i] = m.mb.slot
				var end func()
				if i%2 == 0 {
					end = m.Harmless().End
				} else {
					end = m.Idle().End
				}
				ready.Done()
				<-quit
				end()
				m.Leave()
			})
		}
		ready.Wait()
		words := make([]stateBits, len(slots))
		for i, sl := range slots {
			words[i] = sl.word.load()
		}
		a := newActor(t)
		worker := a.join(t, &iso)
		rounds := 300
		for i := range rounds {
			switch i % 3 {
			case 0:
				var end func()
				a.do(t, "worker Harmless", func() { end = worker.Harmless().End })
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
				a.do(t, "worker Harmless", func() { end = worker.Harmless().End })
				o.wait(t, "isolation")
				rel()
				a.do(t, "worker end", end)
			}
		}
		for i, sl := range slots {
			want := modeHarmless
			if i%2 == 1 {
				want = modeIdle
			}
			assert.Equal(t, want, words[i].mode(), "parked member %d's state", i)
			assert.Equal(t, words[i], sl.word.load(), "parked member %d's state word was written", i)
		}
		close(quit)
		for _, o := range ops {
			o.wait(t, "parked member's end")
		}
		for _, sl := range slots {
			assert.Zero(t, sl.phase.Load(), "a parked member was held at its end")
		}
		a.do(t, "Leave", worker.Leave)
	})
}

// scan's dense-group shortcut (slotGroup.all) must find what a slot-by-slot
// search finds: the first active slot at or after the cursor whose state
// lacks the needed bits, other than the requester's, and leave the cursor
// there (unchanged when there is none). Tables of random size, with members
// that left, random states and watched flags, a requester or none, and a
// random cursor.
func TestScanFindsFirstBlocker(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 2000 {
		iso := &Isolator{DisableLeakCheck: true}
		ms := make([]Member, 1+rng.IntN(200))
		for i := range ms {
			ms[i] = iso.Join()
		}
		for i, m := range ms {
			if rng.IntN(4) == 0 {
				m.Leave()
				ms[i] = Member{}
				continue
			}
			// Mostly idle, so that whole groups pass the shortcut.
			st := modeIdle
			switch r := rng.IntN(100); {
			case r < 2:
				st = modeRunning
			case r < 10:
				st = modeHarmless
			}
			word := uint32(st)
			if rng.IntN(10) == 0 {
				word |= wordWatched
			}
			m.mb.word.v.Store(word)
		}
		var req request
		if k := rng.IntN(len(ms)); ms[k] != (Member{}) && rng.IntN(2) == 0 {
			req.member = ms[k].mb
		}
		need := modeHarmless
		if rng.IntN(2) == 0 {
			need = modeIdle
		}

		from := rng.IntN(len(iso.table.Load().groups) * groupSize)
		var want *slot
		for _, m := range ms {
			if m != (Member{}) && m.mb.slot.index >= from && m.mb != req.member &&
				m.mb.word.load().blocks(need) &&
				(want == nil || m.mb.slot.index < want.index) {
				want = m.mb.slot
			}
		}
		cursor := from
		w := iso.scan(&cursor, &req, need)
		got, seen := w.slot, w.seen
		wantCursor := from
		if want != nil {
			wantCursor = want.index
		}
		if got != want || cursor != wantCursor || (got != nil && seen != got.word.load()) {
			t.Fatalf("iteration %d (%d slots, from %d, need %d): scan found %v (cursor %d), want %v (cursor %d)",
				iter, len(ms), from, need, got, cursor, want, wantCursor)
		}
	}
}
