package isolate

import (
	"runtime"
	"slices"
	"sync/atomic"
)

// A Member is one goroutine's membership in an [Isolator]: the handle that
// Join returns. While a member is running (neither harmless nor idle), no
// isolation begins; while it is harmless or idle, an isolation may run, and
// the member waits for it to end before it runs again.
//
// A Member is a small value; copies refer to the same membership. It
// belongs to the goroutine that joined: its methods, and the funcs they
// return, must be called from that goroutine only (Go has no goroutine
// identity, so this cannot be checked). After Leave the membership is over:
// every method of the handle and of its copies panics, even when a new
// member has taken its place in the Isolator, except Isolated, which
// reports false, and Poll, which panics only when it would make the member
// harmless (otherwise it costs its one load and does nothing). The zero
// Member is no membership: its methods panic too, but Isolated, which
// reports false.
type Member struct {
	// gate is the Isolator's gate, kept in the handle so that Poll's fast
	// path is a single load.
	gate *atomic.Uint64
	// s is the member's state. It goes back to its slot at Leave, for
	// the slot's next member: gen tells this membership from later ones.
	s   *member
	gen uint64
}

// A member is the state of a membership. It belongs to a slot and is reused
// by the slot's next member, so that Join allocates nothing (nor pays for a
// leak cleanup) in steady state; the generation in the Member handle is what
// tells memberships apart.
type member struct {
	// gen numbers the memberships that used this state: a handle whose
	// gen differs is dead. Atomic only so that a dead handle used while
	// another goroutine's Leave moves gen on is no data race.
	gen  atomic.Uint64
	iso  *Isolator
	gate *atomic.Uint64 // &iso.gate, to save a load
	slot *slot
	// state is the slot's state word, kept here to save a load.
	state *atomic.Uint32
	// mode is the state the member last published in its slot, count the
	// count bits of its word (protocol invariant 7), which only the
	// member's own goroutine changes.
	mode  uint32
	count uint32
	// own is one more than the depth of the scope that holds the grant,
	// 0 when the member is not isolated; ownFull tells its kind.
	own     int
	ownFull bool
	// stack[:depth] are the open scopes, innermost last. stack and ends
	// grow together, in steps, never on the fast path's way.
	stack []scope
	depth int
	// top names the innermost open scope (see scopeTag), 0 when none: an
	// end func checks that it ends the innermost scope with one compare.
	top uint32
	// ends holds the end funcs of harmless and idle scopes: per depth,
	// membership parity (the generation's low bit), kind and scope parity
	// (see scope.parity). They are made with the stack, so that opening a
	// scope does not allocate; the membership parity makes an end func of
	// the state's previous membership panic in the next one.
	ends [][2][2][2]func()
	// serial counts the isolate scopes ever opened on this state: a
	// release func is bound to the one whose serial it carries.
	serial uint64
	// req is the member's isolation request, allocated at its first use;
	// do its section for Do (combine.go), likewise.
	req *request
	do  *section
	// leaveEnded are the scopes that Leave ended, by depth; an entry's
	// kind becomes kindIsolate once its end func has been called. Such a
	// state is not reused (left is set): its end funcs must stay no-ops.
	leaveEnded []scope
	left       bool
	// cleanup marks the slot leaked if the state becomes unreachable while
	// a member holds it: its handle was dropped without Leave.
	cleanup runtime.Cleanup

	stackBuf [4]scope
	endsBuf  [4][2][2][2]func()
}

type scopeKind uint8

const (
	kindHarmless scopeKind = iota
	kindIdle
	kindIsolate
)

// scope is an open Harmless, Idle or Isolate scope.
type scope struct {
	kind scopeKind
	// holds is set on the isolate scope that holds the grant (not on
	// isolations nested in it).
	holds bool
	// parity is flipped each time a scope opens at this depth, and picks
	// which of the two cached end funcs the scope gives out: a stale end
	// func of the scope that last opened here then differs from the open
	// scope's own, and panics.
	parity uint8
	// prev is the member's state when the scope opened.
	prev uint32
	// below is member.top before the scope opened.
	below uint32
	// serial is the isolate scope's number, to which its release func
	// is bound.
	serial uint64
}

// maxDepth is the number of scopes a member may have open at once. A deeper
// stack is a bug: an end func that is never called, typically `defer
// m.Harmless()` with one pair of parentheses, in a loop.
const maxDepth = 1000

// Join makes the calling goroutine a member, running. It never returns
// inside someone else's isolated section: like a member ending an idle
// scope, it waits while an isolation is in progress or requested.
//
// A member must call Leave when done. A Member dropped without Leave keeps
// its place and blocks isolations forever (its goroutine may still be
// running); it is reported as leaked by [Isolator.Blockers], [Isolator.Stats]
// and stall reports once the garbage collector has found it unreachable.
func (iso *Isolator) Join() Member {
	return iso.join(nil)
}

// JoinNamed is [Isolator.Join] for a member with a name, by which
// [Isolator.Blockers] and stall reports refer to it. Members that join
// unnamed are named after their slot ("member-3"). JoinNamed also records
// the calling goroutine, so that stall reports can say where it waits (see
// [MemberInfo]); that costs a walk of the goroutine's stack, microseconds
// that Join does not pay.
func (iso *Isolator) JoinNamed(name string) Member {
	return iso.join(&name)
}

func (iso *Isolator) join(name *string) Member {
	sl := iso.claim()
	if name != nil || sl.label.Load() != nil {
		sl.name(name)
	}
	s := sl.spare
	if s == nil {
		s = iso.newMember(sl)
	}
	sl.spare = nil // while joined, only handles keep s reachable
	s.resume()
	return Member{gate: &iso.gate, s: s, gen: s.gen.Load()}
}

// newMember makes the state of the slot sl, idle.
func (iso *Isolator) newMember(sl *slot) *member {
	s := &member{iso: iso, gate: &iso.gate, slot: sl, state: sl.state, mode: stateIdle}
	// The slot's word goes on counting from where its last member left
	// it: a count that went back could match a grace period's snapshot.
	s.count = sl.state.Load() & countMask
	s.gen.Store(1) // a Member with gen 0 is the zero Member
	s.stack = s.stackBuf[:]
	s.ends = s.endsBuf[:]
	s.makeEnds(0)
	if !iso.DisableLeakCheck {
		s.cleanup = watchLeak(s)
	}
	return s
}

// Leave ends the membership. Harmless and idle scopes still open are ended,
// and their end funcs become no-ops, so that deferred ends may run in any
// order. Leave panics if the member is isolated, or has left already.
func (m Member) Leave() {
	s := m.state()
	if s.own > 0 {
		panic("isolate: Leave while isolated (release first)")
	}
	s.gen.Add(1) // every handle of this membership is dead from here on
	// Not running: the next Join resumes from idle.
	s.mode = stateIdle
	keep := s
	if s.depth > 0 {
		s.leaveEnded = slices.Clone(s.stack[:s.depth])
		s.stack, s.ends = nil, nil // every end func now takes endMisuse's way
		s.left = true
		s.cleanup.Stop()
		keep = nil
	}
	s.depth, s.top = 0, 0
	s.count = nextCount(s.count) // leaving is an idle entry: a grace period stops waiting
	s.iso.vacate(s.slot, keep, s.count|stateIdle)
}

// state returns the state of m's membership; it panics if the membership
// is over, or m is the zero Member.
func (m Member) state() *member {
	if m.gen == 0 || m.s.gen.Load() != m.gen { // the zero Member has gen 0
		m.dead()
	}
	return m.s
}

func (m Member) dead() {
	if m.s == nil {
		panic("isolate: use of the zero Member (not returned by Join)")
	}
	panic("isolate: use of a Member after Leave")
}

// reserve makes room for one more scope, before anything changes: it
// panics if maxDepth scopes are open.
func (s *member) reserve() {
	if s.depth == len(s.stack) {
		s.grow()
	}
}

// push opens a scope of kind k at the top of the stack, the member being in
// state prev, and returns its depth and parity. The caller reserved room,
// and sets holds and serial for an isolate scope (push stays inlinable).
func (s *member) push(k scopeKind, prev uint32, gen uint64) (int, uint8) {
	d := s.depth
	e := &s.stack[d]
	p := e.parity ^ 1
	e.below = s.top
	s.top = scopeTag(d, gen, k, p)
	// Field by field, not a composite literal: that zeroes the entry with
	// one wide store and patches it with narrow ones, and the end func's
	// loads of the entry then wait for all of them (no store forwarding).
	// holds and serial are for isolate scopes only: pushIsolate sets them.
	e.kind, e.parity, e.prev = k, p, prev
	s.depth = d + 1
	return d, p
}

// grow doubles the scope stack, after checking that it may grow.
func (s *member) grow() {
	if len(s.stack) >= maxDepth {
		panic("isolate: 1000 scopes open at once: an end func is never called " +
			"(`defer m.Harmless()` instead of `defer m.Harmless().End()`?)")
	}
	n := min(len(s.stack), maxDepth-len(s.stack))
	s.stack = append(s.stack, make([]scope, n)...)
	s.ends = append(s.ends, make([][2][2][2]func(), n)...)
	s.makeEnds(len(s.stack) - n)
}

// scopeTag names the scope of kind k at depth d with parity p, in the
// membership numbered gen: what member.top holds while it is the innermost
// open scope, and what its end func expects there. It is never 0.
func scopeTag(d int, gen uint64, k scopeKind, p uint8) uint32 {
	return uint32(d+1)<<4 | uint32(gen&1)<<3 | uint32(p)<<2 | uint32(k)
}
