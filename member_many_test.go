package isolate

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// S9 to S11: many members, parked members, happens-before.
// See semantics_core_test.go for how these focused tests work.

// S9: more than a thousand members, over many groups of 64 slots: an
// isolation waits for a running member in the last group and proceeds when
// every member is harmless.
func TestS9ThousandsOfMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		const n = 1100
		stop := parkHarmless(t, &iso, n)
		a := newActor(t)
		last := a.join(t, &iso) // slot n: in group n/64
		require.Equal(t, n, last.s.slot.index)
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

// S9 and S1: a thousand members join and leave at any time while outsiders
// and members isolate; no member runs inside an isolated section.
func TestS9ChurnWithIsolations(t *testing.T) {
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

// S10: members parked in harmless or idle scopes cost nothing: isolations
// complete while they sit in a channel receive, nothing touches their slots
// (no watched flag, never held), and their ends pass without waiting.
func TestS10ParkedMembersAreNeverWoken(t *testing.T) {
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
				slots[i] = m.s.slot
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
		words := make([]uint32, len(slots))
		for i, s := range slots {
			words[i] = s.state.Load()
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
		for i, s := range slots {
			want := stateHarmless
			if i%2 == 1 {
				want = stateIdle
			}
			assert.Equal(t, want, words[i]&stateMask, "parked member %d's state", i)
			assert.Equal(t, words[i], s.state.Load(), "parked member %d's state word was written", i)
		}
		close(quit)
		for _, o := range ops {
			o.wait(t, "parked member's end")
		}
		for _, s := range slots {
			assert.Zero(t, s.phase.Load(), "a parked member was held at its end")
		}
		a.do(t, "Leave", worker.Leave)
	})
}

// S11: happens-before, as the race detector sees it. Plain data written in
// isolated sections is read by members after their harmless ends; plain
// data written by members before they become harmless is read in isolated
// sections. Any missing edge is a reported race under -race.
func TestS11HappensBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
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
						m.Harmless().End()
					case 1:
						m.Idle().End()
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
	})
}
