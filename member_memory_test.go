package isolate

import (
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The safety issue's findings, each through the public API where it can be
// seen there (the misuse table in misuse_test.go has the panics).

// A stale release, called while another goroutine holds a newer isolation
// (it may even reuse the same request object), panics and leaves that
// isolation in place: a third goroutine still cannot isolate.
func TestStaleReleaseLeavesTheHolderIsolated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m := a.join(t, &iso)
		var endM func()
		a.do(t, "Harmless", func() { endM = m.Harmless().End })

		stale := iso.Isolate()
		stale()
		var holder func()
		b.do(t, "another outsider isolates", func() { holder = iso.Isolate() })
		p := panicOf(stale)
		require.NotNil(t, p, "a stale outsider release did not panic")
		assert.Contains(t, p, msgNotHeld)
		_, ok := iso.TryIsolate()
		assert.False(t, ok, "TryIsolate succeeded while the other outsider holds its isolation")
		assert.True(t, granted(&iso))
		b.do(t, "release", holder)

		// A member's stale release, while the member holds a newer
		// isolation.
		var staleM func()
		a.do(t, "end, isolate, release, isolate again", func() {
			endM()
			staleM = m.Isolate()
			staleM()
			holder = m.Isolate()
		})
		a.do(t, "stale release", func() {
			p := panicOf(staleM)
			assert.Contains(t, p, msgReleaseTwice)
			assert.True(t, m.Isolated(), "a stale release ended the member's isolation")
		})
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "TryIsolate succeeded while the member is isolated")
		a.do(t, "release and Leave", func() { holder(); m.Leave() })
		isolatesAtOnce(t, &iso)
	})
}

// A handle used after Leave panics and never touches the member state it
// had, which the slot's next member reuses.
func TestDeadHandleNeverTouchesTheReusedState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		old := iso.Join()
		oldEnd := old.Harmless()
		oldEnd.End()
		state := old.s
		old.Leave()

		a := newActor(t)
		m := a.join(t, &iso)
		require.Same(t, state, m.s, "the state is reused")
		var end func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		before := snapshot(&iso, m)

		for name, use := range map[string]func(){
			"Harmless":   func() { old.Harmless() },
			"Idle":       func() { old.Idle() },
			"Isolate":    func() { old.Isolate() },
			"Leave":      old.Leave,
			"TryIsolate": func() { old.TryIsolate() },
		} {
			p := panicOf(use)
			assert.Contains(t, p, msgAfterLeave, name)
		}
		assert.False(t, old.Isolated())
		assert.Equal(t, before, snapshot(&iso, m), "a dead handle changed the new member's state")

		// The old membership's End, called twice, panics, even when
		// the new member has opened two scopes at its depth since.
		a.do(t, "a second scope at depth 0", func() {
			end()
			end = m.Harmless().End
		})
		before = snapshot(&iso, m)
		assert.Contains(t, panicOf(oldEnd.End), msgHarmlessTwice)
		assert.Equal(t, before, snapshot(&iso, m), "a stale end of the old membership changed the new one")

		// Poll is one load: with nothing requested it does nothing; with
		// an isolation requested it reaches its slow path, and panics
		// there.
		assert.Nil(t, panicOf(old.Poll))
		var rel func()
		isolateOp(iso.Isolate, &rel).wait(t, "isolation while the member is harmless")
		assert.Contains(t, panicOf(old.Poll), msgAfterLeave)
		rel()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// A failed TryIsolate leaves no watched flag behind: the member it found
// running must not take the Isolator's lock on its next transitions.
func TestWithdrawnRequestLeavesNoWatchedFlag(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	_, ok := iso.TryIsolate()
	require.False(t, ok)
	assert.Zero(t, m.s.state.Load()&stateWatched, "watched flag left by a withdrawn request")
	assert.Equal(t, [2]watched{}, iso.watching)

	// Nor does a request abandoned through its context, nor a granted
	// one.
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while the member runs")
		assert.NotZero(t, m.s.state.Load()&stateWatched, "the blocker is watched")
		var end func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		o.wait(t, "isolation")
		assert.Equal(t, [2]watched{}, iso.watching)
		rel()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// After a burst of members has come and gone, the slot table, the held list
// and the outsiders' spare requests are back to what a few members need,
// and so is the memory. (What an isolation and a Join then cost is in
// BenchmarkAfterBurst.)
func TestBurstIsGivenBack(t *testing.T) {
	var iso Isolator
	heap := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	m := iso.Join()
	end := m.Harmless()
	before := heap()

	n := 1 << 16
	if testing.Short() {
		n = 1 << 12
	}
	burst := make([]Member, n)
	for i := range burst {
		burst[i] = iso.Join()
	}
	peak := heap()
	require.GreaterOrEqual(t, iso.table.Load().len(), n/groupSize)
	for _, b := range burst {
		b.Leave()
	}
	burst = nil

	assert.LessOrEqual(t, iso.table.Load().len(), 2, "groups left after the burst")
	isolatesAtOnce(t, &iso)
	after := heap()
	t.Logf("heap: %d before, %d at the peak, %d after", before, peak, after)
	assert.Less(t, int64(after)-int64(before), (int64(peak)-int64(before))/20,
		"the burst's memory was not given back")
	end.End()
	m.Leave()
}

// Held members and outsiders' requests give back what a burst made them
// use.
func TestHeldAndSpareShrink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		const n = 1000
		stop := parkHarmless(t, &iso, n)
		rel := iso.Isolate()
		ends := make(chan struct{}, n)
		go func() { stop(); close(ends) }() // every end is held
		waitHeld(t, &iso, n)
		rel()
		<-ends
		iso.mu.Lock()
		assert.Zero(t, cap(iso.held), "held list after the burst")
		iso.mu.Unlock()

		// Many outsiders at once: the spare requests stay few.
		m := iso.Join()
		releases := make(chan func(), n)
		for range 100 {
			go func() { releases <- iso.Isolate() }()
		}
		synctest.Wait()
		m.Leave()
		for range 100 {
			(<-releases)()
		}
		iso.mu.Lock()
		assert.LessOrEqual(t, len(iso.spare), maxSpare)
		iso.mu.Unlock()
	})
}

// A group that empties while another is empty is retired, and a Join after
// that finds a place again (in the kept group, then at the retired group's
// position).
func TestGroupsAreRetiredAndRefilled(t *testing.T) {
	var iso Isolator
	positions := func() []int {
		var ps []int
		for _, g := range iso.table.Load().groups {
			ps = append(ps, g.pos)
		}
		return ps
	}
	ms := make([]Member, 4*groupSize)
	for i := range ms {
		ms[i] = iso.Join()
	}
	require.Equal(t, []int{0, 1, 2, 3}, positions())
	// Empty groups 1 and 2: 1 is kept, 2 retired.
	for _, m := range ms[groupSize : 3*groupSize] {
		m.Leave()
	}
	assert.Equal(t, []int{0, 1, 3}, positions(), "the second empty group is retired")
	for i := groupSize; i < 3*groupSize; i++ {
		ms[i] = iso.Join()
	}
	require.Equal(t, []int{0, 1, 2, 3}, positions())
	for _, g := range iso.table.Load().groups {
		assert.Equal(t, ^uint64(0), g.occupied.Load(), "group %d", g.pos)
		assert.Equal(t, g.pos*groupSize, g.slots[0].index)
	}
	// An isolation sees every member: each runs.
	_, ok := iso.TryIsolate()
	assert.False(t, ok)
	for _, m := range ms {
		m.Leave()
	}
	assert.Equal(t, []int{0}, positions(), "one group kept")
	isolatesAtOnce(t, &iso)
}

// A member that stays in a high position after a burst costs scans nothing
// for the groups below it: the table lists only groups in use.
func TestStragglerKeepsOnlyItsGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		const n = 64 * groupSize
		ms := make([]Member, n)
		for i := range ms {
			ms[i] = iso.Join()
		}
		straggler := ms[n-1]
		end := straggler.Harmless()
		for _, m := range ms[:n-1] {
			m.Leave()
		}
		assert.Equal(t, 2, iso.table.Load().len(), "the kept group and the straggler's")
		isolatesAtOnce(t, &iso, "the straggler is harmless")
		// It still blocks when it runs.
		end.End()
		_, ok := iso.TryIsolate()
		assert.False(t, ok)
		straggler.Leave()
		assert.Equal(t, 1, iso.table.Load().len())
	})
}

// The memory model's first rule, for the race detector: sections of
// different goroutines, each ending with a release, write plain data that
// the next section reads, with no other synchronization between them.
func TestReleaseHappensBeforeNextIsolation(t *testing.T) {
	var iso Isolator
	var counter int // plain: touched only in isolated sections
	m := iso.Join()
	defer m.Leave()
	end := m.Idle()
	done := make(chan struct{})
	const rounds = 200
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range rounds {
				var release func()
				if (g+i)%2 == 0 {
					release = iso.IsolateFull()
				} else {
					release = iso.Isolate()
				}
				counter++
				release()
			}
		}()
	}
	for range 4 {
		<-done
	}
	end.End()
	defer m.Isolate()()
	assert.Equal(t, 4*rounds, counter)
}

// The zero Member is no membership: every method panics, Isolated reports
// false.
func TestZeroMember(t *testing.T) {
	var m Member
	for name, use := range map[string]func(){
		"Harmless":    func() { m.Harmless() },
		"Idle":        func() { m.Idle() },
		"Poll":        m.Poll,
		"Isolate":     func() { m.Isolate() },
		"IsolateFull": func() { m.IsolateFull() },
		"TryIsolate":  func() { m.TryIsolate() },
		"Leave":       m.Leave,
	} {
		assert.Contains(t, panicOf(use), "isolate: use of the zero Member", name)
	}
	assert.False(t, m.Isolated())
}

// An Isolator whose members joined and left is garbage like any other
// value: the leak cleanups of the member states it keeps for reuse must not
// keep it alive.
func TestIsolatorIsCollected(t *testing.T) {
	const n = 50
	var collected atomic.Int32
	for range n {
		iso := new(Isolator)
		iso.Join().Leave()
		m := iso.Join()
		m.Harmless().End()
		m.Leave()
		runtime.AddCleanup(iso, func(*atomic.Int32) { collected.Add(1) }, &collected)
	}
	eventually(t, func() bool {
		runtime.GC()
		return collected.Load() == n
	}, "every Isolator collected")
}
