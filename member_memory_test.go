package isolate

// Tests of the memory that members use: after a burst of members the slot
// table, the held list and the outsiders' spare requests shrink back, slot
// groups are retired and refilled, a straggler keeps only its group, an
// Isolator whose members left is garbage like any other value, and a slot
// fills whole cache lines.

import (
	"runtime"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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
		assert.LessOrEqual(t, len(iso.freeRequests), maxFree)
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

// A slot takes whole cache lines (slotPad), so that members joining and
// leaving on neighbouring slots write no line of each other's: slotFields,
// which slotPad rounds up, is the size of a slot's fields.
func TestSlotFillsWholeCacheLines(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("slotFields counts the fields of 64-bit ports")
	}
	assert.Equal(t, slotFields+slotPad, unsafe.Sizeof(slot{}), "slotFields is not the size of a slot's fields")
	assert.Zero(t, unsafe.Sizeof(slot{})%cacheLine, "a slot ends inside a cache line")
}
