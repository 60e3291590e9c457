package isolate

import (
	"runtime"
	"sync/atomic"
)

// A Member is one goroutine's membership in an [Isolator]. While a member is
// running (neither harmless nor idle), no isolation begins; while it is
// harmless or idle, an isolation may run, and the member waits for it to end
// before it runs again.
//
// A Member belongs to the goroutine that joined: its methods, and the funcs
// they return, must be called from that goroutine only (Go has no goroutine
// identity, so this cannot be checked). A Member must not be copied.
type Member struct {
	noCopy noCopy

	// gate points at the Isolator's gate while the member is joined, and
	// at leftGate after Leave, so that Poll's single load sends a stale
	// handle to the slow path, where it panics.
	gate *atomic.Uint64
	// state is the slot's state word, kept here to save a load.
	state *atomic.Uint32
	slot  *slot
	iso   *Isolator
	// mode is the state the member last published in its slot.
	mode uint32
	// own is one more than the depth of the scope that holds the grant,
	// 0 when the member is not isolated; ownFull tells its kind.
	own     int
	ownFull bool
	// stack[:depth] are the open scopes, innermost last. stack and ends
	// grow together, in steps, never on the fast path's way.
	stack []scope
	depth int
	// ends caches one end func per depth and kind, so that opening a
	// scope does not allocate.
	ends [][numKinds]func()
	// req is the member's isolation request, allocated at its first use.
	req *request
	// leaveEnded[d] is set while the scope at depth d was ended by
	// Leave and its end func has not been called yet.
	leaveEnded []bool
	left       bool
	// cleanup marks the slot leaked if the Member is dropped without Leave.
	cleanup runtime.Cleanup

	stackBuf [4]scope
	endsBuf  [4][numKinds]func()
}

type scopeKind uint8

const (
	kindHarmless scopeKind = iota
	kindIdle
	kindIsolate
	numKinds
)

// scope is an open Harmless, Idle or Isolate scope.
type scope struct {
	kind scopeKind
	// holds is set on the isolate scope that holds the grant (not on
	// isolations nested in it).
	holds bool
	// prev is the member's state when the scope opened.
	prev uint32
}

// leftGate is what a member's gate points at after Leave: every bit set, so
// that every fast path takes its slow path.
var leftGate = func() *atomic.Uint64 {
	g := new(atomic.Uint64)
	g.Store(^uint64(0))
	return g
}()

// Join makes the calling goroutine a member, running. It never returns
// inside someone else's isolated section: like a member ending an idle
// scope, it waits while an isolation is in progress or requested.
//
// A member must call Leave when done. A Member dropped without Leave keeps
// its place and blocks isolations forever (its goroutine may still be
// running); it is reported as leaked by [Isolator.Blockers], [Isolator.Stats]
// and stall reports once the garbage collector finds it unreachable.
func (iso *Isolator) Join() *Member {
	return iso.join(nil)
}

// JoinNamed is [Isolator.Join] for a member with a name, by which
// [Isolator.Blockers] and stall reports refer to it. Members that join
// unnamed are named after their slot ("member-3").
func (iso *Isolator) JoinNamed(name string) *Member {
	return iso.join(&name)
}

func (iso *Isolator) join(name *string) *Member {
	s := iso.claim()
	s.label.Swap(name)
	m := &Member{iso: iso, slot: s, state: s.state, gate: &iso.gate, mode: stateIdle}
	m.stack = m.stackBuf[:]
	m.ends = m.endsBuf[:]
	if !iso.DisableLeakCheck {
		m.cleanup = watchLeak(m)
	}
	iso.activate(s)
	m.resume()
	return m
}

// Leave ends the membership. Harmless and idle scopes still open are ended,
// and their end funcs become no-ops, so that deferred ends may run in any
// order. Leave panics if the member is isolated, or has left already.
func (m *Member) Leave() {
	m.mustBeJoined()
	if m.own > 0 {
		panic("isolate: Leave while isolated (release first)")
	}
	if m.depth > 0 {
		m.leaveEnded = make([]bool, m.depth)
		for d := range m.leaveEnded {
			m.leaveEnded[d] = true
		}
	}
	m.depth = 0 // every end func now takes endMisuse's way
	m.stack, m.ends = nil, nil
	m.left = true
	// Not running: Harmless and Idle then publish nothing, and their push
	// panics (the stack is gone).
	m.mode = stateIdle
	m.gate = leftGate
	m.cleanup.Stop()
	m.iso.vacate(m.slot)
}

func (m *Member) mustBeJoined() {
	if m.left {
		panic("isolate: use of a Member after Leave")
	}
}

// push opens a scope of kind k at the top of the stack and returns its
// depth. It panics if the member has left.
func (m *Member) push(k scopeKind, holds bool) int {
	return m.pushFrom(k, holds, m.mode)
}

// pushFrom is push for a scope opened in state prev.
func (m *Member) pushFrom(k scopeKind, holds bool, prev uint32) int {
	d := m.depth
	if d == len(m.stack) { // full, or nil after Leave
		m.grow()
	}
	m.stack[d] = scope{kind: k, holds: holds, prev: prev}
	m.depth = d + 1
	return d
}

// grow doubles the scope stack, after checking that the member is joined.
func (m *Member) grow() {
	m.mustBeJoined()
	m.stack = append(m.stack, make([]scope, len(m.stack))...)
	m.ends = append(m.ends, make([][numKinds]func(), len(m.ends))...)
}
