package isolate

import (
	"math/bits"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Members live in slots, in groups of 64 whose occupancy is one uint64 mask,
// so that a scan visits only occupied slots and a Join never copies the
// table. The table only grows; a slot is reused after its member leaves.

const groupSize = 64

// cacheLine is the size of a cache line on the target architecture (x/sys/cpu
// says 0 where it does not matter, as on wasm: pad to 64 bytes there too).
const cacheLine = max(unsafe.Sizeof(cpu.CacheLinePad{}), 64)

// A slot is one member's place in the table.
type slot struct {
	// state is the member's published state (see the protocol), alone on
	// its cache line in the group's states: the harmless fast path writes
	// no line that anything else writes.
	state *atomic.Uint32
	// heldFrom is the state a held member waits in (under Isolator.mu).
	heldFrom uint32
	// waiter parks the member while it is held.
	waiter
	group *slotGroup
	bit   uint64 // the slot's bit in group.claimed and group.active
	index int    // the slot's position in the whole table
	// label is the name given to JoinNamed, nil for a generated one.
	label atomic.Pointer[string]
	// leaked is set when the member became unreachable without Leave.
	leaked atomic.Bool
}

// paddedState is a slot's state word on a cache line of its own.
type paddedState struct {
	atomic.Uint32
	_ [cacheLine - 4]byte
}

type slotGroup struct {
	// claimed are the slots handed out; active are the slots that scans
	// visit (a joining member's slot is claimed before it is active).
	claimed, active atomic.Uint64
	slots           [groupSize]slot
	// states holds the slots' state words. It is allocated apart, as an
	// object without pointers (so without a malloc header) whose size is
	// a multiple of the page size: its lines are cache-line aligned.
	states *[groupSize]paddedState
}

type slotTable struct {
	groups []*slotGroup
}

func lowestBit(x uint64) int {
	return bits.TrailingZeros64(x)
}

// claim hands out a free slot, growing the table when every slot is taken.
func (iso *Isolator) claim() *slot {
	for {
		t := iso.table.Load()
		if t != nil {
			for _, g := range t.groups {
				for c := g.claimed.Load(); c != ^uint64(0); c = g.claimed.Load() {
					i := lowestBit(^c)
					if g.claimed.CompareAndSwap(c, c|1<<i) {
						s := &g.slots[i]
						s.leaked.Store(false)
						return s
					}
				}
			}
		}
		iso.grow(t)
	}
}

// grow adds a group to the table, unless another goroutine replaced seen
// already. The new table shares the old groups: slots never move.
func (iso *Isolator) grow(seen *slotTable) {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	if iso.table.Load() != seen {
		return
	}
	var groups []*slotGroup
	if seen != nil {
		groups = seen.groups
	}
	g := &slotGroup{states: new([groupSize]paddedState)}
	for i := range g.slots {
		s := &g.slots[i]
		s.group, s.bit, s.index = g, 1<<i, len(groups)*groupSize+i
		s.state = &g.states[i].Uint32
		s.state.Store(stateIdle) // not yet visible to anyone
	}
	iso.table.Store(&slotTable{groups: append(groups[:len(groups):len(groups)], g)})
}

// activate makes a claimed slot visible to scans, in state idle.
func (iso *Isolator) activate(s *slot) {
	if s.state.Swap(stateIdle)&stateWatched != 0 {
		iso.kick()
	}
	s.group.active.Or(s.bit)
}

// vacate takes the slot of a leaving member out of scans and frees it. If an
// isolator waits for that member, it is kicked.
func (iso *Isolator) vacate(s *slot) {
	old := s.state.Swap(stateIdle)
	s.group.active.And(^s.bit)
	if old&stateWatched != 0 {
		iso.kick()
	}
	s.group.claimed.And(^s.bit)
}
