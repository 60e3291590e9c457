package isolate

import (
	"math/bits"
	"slices"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// Members live in slots, in groups of 64 whose occupancy is one uint64 mask,
// so that a scan visits only occupied slots and a Join never copies the
// table. A slot is reused after its member leaves, and so is the member
// record it keeps (see member.go): a Join in steady state allocates only the
// member's handle.
//
// Nothing grows forever: when a Leave empties a group while another group is
// empty too, the empty groups but one are retired, so that after a burst of
// members the table, and what scans and claims visit, shrinks back to what
// the members that stay need. A group keeps its position (a slot's index
// never changes); the table lists only the groups in use, in position
// order, so that a member that stays in a high position after a burst
// costs the groups below it nothing. The next growth fills the lowest free
// position.
//
// The table's invariants are T1 to T3 in isolator.go.

const groupSize = 64

// cacheLine is the size of a cache line on the target architecture (x/sys/cpu
// says 0 where it does not matter, as on wasm: pad to 64 bytes there too).
const cacheLine = max(unsafe.Sizeof(cpu.CacheLinePad{}), 64)

// A slot is one member's place in the table.
type slot struct {
	// word is the member's published state (see the protocol), alone on
	// its cache line in the group's states: the harmless fast path writes
	// no line that anything else writes.
	word *stateWord
	// heldFrom is the mode by whose rule a held member is admitted: the
	// scope it was ending, or harmless after a withdrawn request (under
	// Isolator.mu).
	heldFrom mode
	// letGo is set when the member was held as it ended a scope, let go
	// fewer than maxLetGo times in that scope end: an admission while no
	// request waits lets it go in heldFrom instead of setting it running
	// (see admitHeld; under Isolator.mu).
	letGo bool
	// waiter parks the member while it is held.
	waiter
	group *slotGroup
	bit   uint64 // the slot's bit in group.occupied
	index int    // the slot's position in the whole table
	// label is the name given to JoinNamed, nil for a generated one.
	label atomic.Pointer[string]
	// leaked is set when the member became unreachable without Leave. It
	// lives in the group's states, which hold no pointers, so that the
	// leak cleanup's argument reaches no member record (see diag_leak.go).
	leaked *atomic.Bool
	// kept is the member record that the next member of this slot reuses
	// (nil while a member holds it, or before the first Join). Only the
	// goroutine that holds the slot reads or writes it: claim and vacate
	// synchronize through group.occupied.
	kept *member
	// diag is what stall reports need of the member: its goroutine, and
	// since when it is held.
	diag slotDiag
	// Joins and Leaves write label and kept: a slot takes whole cache
	// lines, so that members joining and leaving at once on neighbouring
	// slots do not take each other's lines.
	_ [slotPad]byte
}

// slotPad rounds a slot up to whole cache lines (two on 64-bit ports);
// slotFields is the size of its fields.
const (
	slotFields = 80 + unsafe.Sizeof(slotDiag{})
	slotPad    = (slotFields+cacheLine-1)/cacheLine*cacheLine - slotFields
)

// paddedWord is a slot's state word on a cache line of its own, with the
// slot's leaked flag, which is written once at most.
type paddedWord struct {
	stateWord
	leaked atomic.Bool
	_      [cacheLine - 8]byte
}

type slotGroup struct {
	// pos is the group's position: its slots' indexes are pos*groupSize
	// and up.
	pos int
	// occupied has a bit set for each slot that holds a member: the slots
	// that claims skip and scans visit.
	occupied atomic.Uint64
	slots    [groupSize]slot
	// words holds the slots' state words. It is allocated apart, as an
	// object without pointers (so without a malloc header) whose size is
	// a multiple of the page size: its lines are cache-line aligned.
	words *[groupSize]paddedWord
}

// retired is the occupied mask of a group taken out of the table.
const retired = ^uint64(0)

type slotTable struct {
	// groups are the groups in use, by position; positions may be missing
	// (free, or retired groups').
	groups []*slotGroup
}

// from returns the groups of t from the one that holds the slot index i on
// (or the first after it, if its position is free).
func (t *slotTable) from(i int) []*slotGroup {
	pos := i / groupSize
	if len(t.groups) == 0 || t.groups[0].pos >= pos {
		return t.groups // the usual case: a scan from the first slot
	}
	k, _ := slices.BinarySearchFunc(t.groups, pos, func(g *slotGroup, pos int) int { return g.pos - pos })
	return t.groups[k:]
}

// claim hands out a free slot, growing the table when every slot is taken.
// The slot is occupied, so scans visit it, idle (T1).
func (iso *Isolator) claim() *slot {
	for {
		t := iso.table.Load()
		if t != nil {
			for _, g := range t.groups {
				for c := g.occupied.Load(); c != ^uint64(0); c = g.occupied.Load() {
					i := bits.TrailingZeros64(^c)
					if g.occupied.CompareAndSwap(c, c|1<<i) {
						return &g.slots[i]
					}
				}
			}
		}
		iso.grow(t)
	}
}

// grow adds a group to the table, at the lowest free position, unless
// another goroutine replaced seen already. The new table shares the old
// groups: slots never move.
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
	at := len(groups) // groups[:at] hold positions 0 to at-1
	for i, g := range groups {
		if g.pos != i {
			at = i
			break
		}
	}
	g := &slotGroup{pos: at, words: new([groupSize]paddedWord)}
	for i := range g.slots {
		sl := &g.slots[i]
		sl.group, sl.bit, sl.index = g, 1<<i, at*groupSize+i
		sl.word = &g.words[i].stateWord
		sl.leaked = &g.words[i].leaked
		sl.word.init() // not yet visible to anyone
	}
	iso.table.Store(&slotTable{groups: slices.Insert(slices.Clone(groups), at, g)})
}

// vacate takes the slot of a leaving member out of scans and frees it; keep
// is the member record the slot's next member reuses (nil: a new one), and
// the slot's word keeps idle with the member's count c meanwhile. If
// an isolator or a grace period waits for that member, it is kicked. If the
// slot's group is now empty, empty groups are retired.
func (iso *Isolator) vacate(sl *slot, keep *member, c idleCount) {
	sl.kept = keep
	old := sl.word.swap(modeIdle, c) // T1: before the bit is cleared
	if sl.group.occupied.And(^sl.bit) == sl.bit {
		iso.shrink()
	}
	woke := false
	if old.awaited() {
		woke = iso.grace.wakeAll()
	}
	if old.watched() {
		woke = iso.reschedule() || woke
	}
	handOff(woke)
}

// shrink retires the empty groups of the table but the first, which it keeps
// for the next members (so that a member joining and leaving over and over
// at a group's edge does not allocate a group each time). It takes mu, and
// does nothing when the table has a single group.
func (iso *Isolator) shrink() {
	if t := iso.table.Load(); t == nil || len(t.groups) < 2 {
		return
	}
	iso.mu.Lock()
	defer iso.mu.Unlock()
	t := iso.table.Load()
	groups := make([]*slotGroup, 0, len(t.groups))
	kept := false
	for _, g := range t.groups {
		if g.occupied.Load() == 0 && kept && g.occupied.CompareAndSwap(0, retired) {
			g.retire()
			continue
		}
		kept = kept || g.occupied.Load() == 0
		groups = append(groups, g)
	}
	if len(groups) < len(t.groups) {
		iso.table.Store(&slotTable{groups: groups})
	}
}

// retire lets the member records that g's slots keep go: their leak
// cleanups must not fire for slots that no longer exist.
func (g *slotGroup) retire() {
	for i := range g.slots {
		if mb := g.slots[i].kept; mb != nil {
			mb.cleanup.Stop()
			g.slots[i].kept = nil
		}
	}
}
