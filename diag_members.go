package isolate

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
)

// What diagnostics say of members: their State, MemberInfo, what a slot
// keeps for reports, and Blockers.

// A State is what a member has published of itself: whether it may touch
// the shared structure now.
type State uint8

const (
	StateRunning  State = iota // may touch the shared structure
	StateHarmless              // does not touch it now, may hold references
	StateIdle                  // does not touch it, holds no references
	StateIsolated              // runs in its own isolation: the only member that runs
)

func (st State) String() string {
	switch st {
	case StateRunning:
		return "running"
	case StateHarmless:
		return "harmless"
	case StateIdle:
		return "idle"
	case StateIsolated:
		return "isolated"
	}
	return fmt.Sprintf("State(%d)", uint8(st))
}

// MemberInfo describes a member, as [Isolator.Blockers] and stall reports
// see it.
type MemberInfo struct {
	// Name is the name given to JoinNamed, or one made from the member's
	// place, "member-3", for a member that joined unnamed.
	Name string
	// Slot is the member's place in the Isolator: a number that no other
	// member joined now has.
	Slot int
	// State is the member's state when it was observed: StateIsolated
	// for the member that holds the isolation.
	State State
	// Leaked is set when the garbage collector has found the member
	// unreachable without Leave: nobody can end its scopes or make it
	// leave, and it blocks isolations forever unless it was idle. A
	// dropped member is found at the next collection after the drop.
	Leaked bool
	// Goroutine is the id of the goroutine that joined, for a member
	// joined with a name (JoinNamed finds it, at the cost of a walk of
	// its stack); 0 for a member that joined unnamed. A member handed to
	// another goroutine is no longer on it.
	Goroutine uint64
	// JoinedIdle is set for a member that joined idle with a name
	// (JoinIdleNamed): such a member is typically handed to another
	// goroutine for each callback, which Goroutine does not follow, so
	// a stall report does not say where Goroutine waits (WaitReason and
	// Stack are empty).
	JoinedIdle bool
	// WaitReason is what goroutine Goroutine was doing when a stall
	// report was made, in the words of the runtime's goroutine dump
	// ("chan receive", "select", "sleep", "IO wait", "sync.Mutex.Lock",
	// "runnable" for one that was computing), or "exited" if it no longer
	// exists; empty outside stall reports ([Isolator.Blockers] takes no
	// dump), when Goroutine is 0, and for a member that joined idle.
	WaitReason string
	// Stack is that goroutine's top frames then, innermost first, without
	// the runtime's own or this package's unexported ones; Function, File
	// and Line are set.
	Stack []runtime.Frame
}

// String returns the member's name, its state, whether it leaked, and, in a
// stall report, where its goroutine waits (the top frame outside the
// standard library), for logs:
//
//	worker-1 (running; joined on goroutine 42: chan receive in main.work at /src/main.go:31)
//
// or, for a named member that joined idle, which goroutine joined it:
//
//	conn-7 (running; joined on goroutine 42; this member may have been handed to another goroutine)
func (mi MemberInfo) String() string {
	var b strings.Builder
	b.WriteString(mi.Name)
	b.WriteString(" (")
	b.WriteString(mi.State.String())
	if mi.Leaked {
		b.WriteString(", leaked: dropped without Leave")
	}
	if mi.Goroutine != 0 && mi.JoinedIdle {
		fmt.Fprintf(&b, "; joined on goroutine %d; this member may have been handed to another goroutine", mi.Goroutine)
	} else if mi.Goroutine != 0 && mi.WaitReason != "" {
		fmt.Fprintf(&b, "; joined on goroutine %d", mi.Goroutine)
		if mi.WaitReason == goroutineExited {
			b.WriteString(", which has exited: the member was handed on")
		} else {
			b.WriteString(": ")
			b.WriteString(mi.WaitReason)
			if f, ok := callerFrame(mi.Stack); ok {
				fmt.Fprintf(&b, " in %s at %s:%d", f.Function, f.File, f.Line)
			}
		}
	}
	b.WriteString(")")
	return b.String()
}

// goroutineExited is the WaitReason of a goroutine that a dump did not find.
const goroutineExited = "exited"

// slotDiag is what diagnostics keep in a member's slot.
type slotDiag struct {
	// goid is the goroutine that joined with a name; 0: unknown.
	// joinedIdle is set if that join was JoinIdleNamed.
	goid       atomic.Uint64
	joinedIdle atomic.Bool
	// g is the goroutine that joined with Join or JoinNamed, or that runs
	// the member in a Busy scope, as arch.G identifies it (0: joined idle,
	// or since a Busy scope made it idle or harmless again, or a port
	// without it): a report compares it with a requester's (see
	// joinedOnLocked). See setG.
	g uintptr
	// heldSince is when the member was held back (time.Now().UnixNano():
	// a wall clock, enough for a report, in 8 bytes, so that a slot stays
	// two cache lines), and heldG the goroutine (arch.G) held (under mu,
	// while it is in Isolator.held).
	heldSince int64
	heldG     uintptr
}

// setG records the goroutine g that joins. Join's goroutine stores, and a
// report's loads atomically, maybe meanwhile. Where the race detector sees
// the two, the store is atomic too; elsewhere it is plain, as setTop's is,
// because an atomic store is a locked instruction on amd64, which costs
// Join+Leave a tenth more: a load of an aligned machine word (a uintptr is
// one on every port) sees one of the values written, never a mix (the Go
// memory model), and a stale one only names a member wrongly in a report.
func (d *slotDiag) setG(g uintptr) {
	if raceEnabled {
		atomic.StoreUintptr(&d.g, g)
	} else {
		d.g = g
	}
}

// loadG returns the goroutine recorded by setG.
func (d *slotDiag) loadG() uintptr { return atomic.LoadUintptr(&d.g) }

// name names the member that joins on sl (nil: unnamed, named after its
// slot), idle if idle is set, and records the goroutine of a named one.
// Joins call it when the member is named or the slot's last member was.
func (sl *slot) name(name *string, idle bool) {
	sl.label.Store(name)
	var id uint64
	if name != nil {
		id = goroutineID()
	}
	sl.diag.joinedIdle.Store(idle)
	sl.diag.goid.Store(id)
}

// info describes the member on sl, whose word was st.
func (sl *slot) info(st stateBits) MemberInfo {
	mi := MemberInfo{Slot: sl.index, State: st.public(), Leaked: sl.leaked.Load(), Goroutine: sl.diag.goid.Load()}
	mi.JoinedIdle = mi.Goroutine != 0 && sl.diag.joinedIdle.Load()
	if p := sl.label.Load(); p != nil {
		mi.Name = *p
	} else {
		mi.Name = fmt.Sprintf("member-%d", sl.index)
	}
	return mi
}

// Blockers returns the members that keep a requested isolation waiting,
// ordered by slot: those running, or harmless but not idle when a full
// isolation is requested; and if an isolation is in progress, only the
// member that holds it (none for an outsider), as StateIsolated. It is
// empty when no request waits.
func (iso *Isolator) Blockers() []MemberInfo {
	iso.mu.Lock()
	found := iso.blockersLocked()
	isolated := iso.isolatedLocked()
	iso.mu.Unlock()
	return infos(found, isolated)
}

// isolatedLocked returns the slot of the member that holds the isolation;
// nil if none does (under mu).
func (iso *Isolator) isolatedLocked() *slot {
	if o := iso.owner; o != nil {
		return o.memberSlot()
	}
	return nil
}

// blockersLocked returns the slots and states of the members that Blockers
// describes, under mu, where it only collects: naming them waits until mu
// is unlocked.
func (iso *Isolator) blockersLocked() []sighting {
	var found []sighting
	if iso.plainQ.head == nil && iso.fullQ.head == nil {
		return found
	}
	if o := iso.owner; o != nil {
		if mb := o.member; mb != nil {
			found = append(found, sighting{slot: mb.slot, seen: mb.word.load()})
		}
		return found
	}
	if h := iso.plainQ.head; h != nil {
		found = slices.AppendSeq(found, iso.blockers(0, h.memberSlot(), modeHarmless))
	}
	if h := iso.fullQ.head; h != nil {
		plain := len(found)
		found = slices.AppendSeq(found, iso.blockers(0, h.memberSlot(), modeIdle))
		if plain > 0 {
			slices.SortStableFunc(found, func(a, b sighting) int { return a.slot.index - b.slot.index })
			found = slices.CompactFunc(found, func(a, b sighting) bool { return a.slot == b.slot })
		}
	}
	return found
}

// infos describes the members found; the one on isolated (nil: none) holds
// the isolation.
func infos(found []sighting, isolated *slot) []MemberInfo {
	var mis []MemberInfo
	for _, w := range found {
		mi := w.slot.info(w.seen)
		if w.slot == isolated {
			mi.State = StateIsolated
		}
		mis = append(mis, mi)
	}
	return mis
}
