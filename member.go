package isolate

import (
	"runtime"
	"sync/atomic"

	"github.com/isolatekit/isolate/arch"
)

// Membership: the Member handle, the member record it refers to (reused
// by the slot's next member), Join in its forms, and Leave.

// A Member is one goroutine's membership in an [Isolator]: the handle that
// Join returns. While a member is running (neither harmless nor idle), no
// isolation begins; while it is harmless or idle, an isolation may run, and
// the member waits for it to end before it runs again.
//
// A Member is a small value; copies refer to the same membership. It
// belongs to one goroutine at a time, the one that joined to begin with:
// its methods, and the Scopes and funcs they return, must be called from
// that goroutine only (Go has no goroutine identity, so this cannot be
// checked). It may be handed to another goroutine while it has no scope
// open and is not isolated, that is between two scopes of a member that
// joined idle ([Isolator.JoinIdle], [Member.Busy]), or at any moment of a
// running member with no scope open, provided that the old goroutine's
// last use is synchronized before the new one's first (the go statement
// that starts the new goroutine, a channel send and its receive, a mutex:
// the race detector checks it). The old goroutine then no longer uses
// it. A member in transit between goroutines keeps the state it was
// handed over in: hand it over idle, or isolations wait for the hand-over.
//
// After Leave the membership is over:
// every method of the handle and of its copies panics, even when a new
// member has taken its place in the Isolator, except Isolated, which
// reports false, and Poll, which panics only when it would make the member
// harmless (otherwise it costs its one load and does nothing). The zero
// Member is no membership: its methods panic too, but Isolated, which
// reports false.
//
// Which calls may block: Join and JoinNamed, Busy, the End of a harmless
// or idle scope, Poll, and the requests (Isolate, IsolateScope, IsolateFull
// and the Context forms; Do; Synchronize) wait for isolations or members.
// JoinIdle, Leave, Harmless, Idle, the End of a busy or isolate scope,
// TryIsolate, Isolated and the release funcs never do (they may take the
// Isolator's lock briefly).
type Member struct {
	// gate is the Isolator's gate, kept in the handle so that Poll's fast
	// path is a single load.
	gate *gateWord
	// mb is the membership's record. It goes back to its slot at Leave, for
	// the slot's next member: gen tells this membership from later ones.
	mb  *member
	gen uint64
}

// A member is the record of a membership. It belongs to a slot and is reused
// by the slot's next member, so that Join allocates nothing (nor pays for a
// leak cleanup) in steady state; the generation in the Member handle is what
// tells memberships apart.
type member struct {
	// top is the tag of the innermost open scope (see scope.tag), 0 when
	// none: an End or a release checks with one compare that it ends the
	// innermost scope. Tags are never reused on a record, across its
	// memberships too, so that a stale End never matches. The member's
	// goroutine writes it (setTop), an End may load it from any
	// goroutine (loadTop).
	// It comes first: 64-bit atomics need the alignment that only the
	// first word of an allocated struct has on 32-bit ports.
	top uint64
	// gen numbers the memberships that used this record: a handle whose
	// gen differs is dead. Atomic only so that a dead handle used while
	// another goroutine's Leave moves gen on is no data race.
	gen  atomic.Uint64
	iso  *Isolator
	gate *gateWord // &iso.gate, to save a load
	slot *slot
	// word is the slot's state word, kept here to save a load.
	word *stateWord
	// mode is the mode the member last published in its slot, count the
	// count bits of its word (P7), which only the
	// member's own goroutine changes.
	mode  mode
	count idleCount
	// own is one more than the depth of the scope that holds the grant,
	// 0 when the member is not isolated; ownFull tells its kind.
	own     int
	ownFull bool
	// yielded is the grace periods' yield generation for which the member
	// last yielded (see Isolator.admitOrHold).
	yielded uint32
	// stack[:depth] are the open scopes, innermost last. It grows in
	// steps, never on the fast path's way.
	stack []scope
	depth int
	// serial counts the scopes ever opened on this record (in steps of
	// tagStep): it makes the tags.
	serial uint64
	// req is the member's isolation request, allocated at its first use.
	req *request
	// do is its section for Do (combine.go), allocated at its first use.
	do *section
	// leaveEnded are the scopes that Leave ended, by depth. Such a record
	// is not reused (left is set): their Ends must stay no-ops, once.
	// left is atomic, and leaveEnded written before it is set, so that a
	// stale End of an earlier membership, on another goroutine, may read
	// them while a later one leaves.
	leaveEnded []leftScope
	left       atomic.Bool
	// cleanup marks the slot leaked if the record becomes unreachable while
	// a member holds it: its handle was dropped without Leave.
	cleanup runtime.Cleanup

	stackBuf [4]scope
}

// Join makes the calling goroutine a member, running. It may block: it
// never returns inside someone else's isolated section, and like a member
// ending an idle scope, it waits while an isolation is in progress or
// requested. A goroutine that must not wait (an accept hook) joins with
// [Isolator.JoinIdle].
//
// A member must call Leave when done. A Member dropped without Leave keeps
// its place and blocks isolations forever (its goroutine may still be
// running); it is reported as leaked by [Isolator.Blockers], [Isolator.Stats]
// and stall reports once the garbage collector has found it unreachable.
func (iso *Isolator) Join() Member {
	m := iso.join(nil, false, arch.G())
	m.mb.resume()
	return m
}

// JoinNamed is [Isolator.Join] for a member with a name, by which
// [Isolator.Blockers] and stall reports refer to it. Members that join
// unnamed are named after their slot ("member-3"). JoinNamed also records
// the calling goroutine, so that stall reports can say where it waits (see
// [MemberInfo]); that costs a walk of the goroutine's stack, microseconds
// that Join does not pay.
func (iso *Isolator) JoinNamed(name string) Member {
	m := iso.join(&name, false, arch.G())
	m.mb.resume()
	return m
}

// JoinIdle makes the calling goroutine a member, idle, with no scope open:
// as if it had joined and opened an idle scope, but without running in
// between, so that it never blocks, even while an isolation is in
// progress or requested (it may take the Isolator's lock briefly, to grow
// its table). It is the join of callback frameworks: a connection's
// accept hook joins idle, and each callback runs in a [Member.Busy]
// scope:
//
//	m := iso.JoinIdle() // in the accept hook
//	...
//	defer m.Busy().End() // in each callback, on whatever goroutine
//
// Such a member may be handed from goroutine to goroutine between its
// scopes (see [Member]). It must call Leave when done, as any member.
func (iso *Isolator) JoinIdle() Member {
	return iso.join(nil, true, 0)
}

// JoinIdleNamed is [Isolator.JoinIdle] for a member with a name, as
// [Isolator.JoinNamed] names one. It records the joining goroutine too,
// but a callback member is handed from goroutine to goroutine, which
// nothing records (that would cost Busy a walk of the stack): a stall
// report names the member and the goroutine that joined it, and says that
// the member may have been handed to another goroutine, not where that
// goroutine waits (see [MemberInfo]).
func (iso *Isolator) JoinIdleNamed(name string) Member {
	return iso.join(&name, true, 0)
}

// join claims a slot for a member named name (nil: named after its slot),
// joining idle if idle is set (for reports), and returns it idle: the
// slot's word is idle already (T1), and so is the
// record's mode. Join and JoinNamed then make it run. g is the joining goroutine (arch.G), recorded for stall reports:
// 0 for the idle joins of callback frameworks, whose members run on other
// goroutines than the one that joins them.
func (iso *Isolator) join(name *string, idle bool, g uintptr) Member {
	sl := iso.claim()
	sl.diag.setG(g)
	if name != nil || sl.label.Load() != nil {
		sl.name(name, idle)
	}
	mb := sl.kept
	if mb == nil {
		mb = iso.newMember(sl)
	}
	sl.kept = nil // while joined, only handles keep s reachable
	return Member{gate: &iso.gate, mb: mb, gen: mb.gen.Load()}
}

// newMember makes the member record of the slot sl, idle.
func (iso *Isolator) newMember(sl *slot) *member {
	mb := &member{iso: iso, gate: &iso.gate, slot: sl, word: sl.word, mode: modeIdle}
	// The slot's word goes on counting from where its last member left
	// it: a count that went back could match a grace period's snapshot.
	mb.count = sl.word.load().count()
	mb.gen.Store(1) // a Member with gen 0 is the zero Member
	mb.stack = mb.stackBuf[:]
	if !iso.DisableLeakCheck {
		mb.cleanup = watchLeak(mb)
	}
	return mb
}

// Leave ends the membership. It never blocks. Harmless, idle and busy
// scopes still open are ended, and their Ends become no-ops (once each), so
// that deferred Ends may run in any order. Leave panics if the member is
// isolated, or has left already.
func (m Member) Leave() {
	mb := m.live()
	if mb.own > 0 {
		panic("isolate: Leave while isolated (release first)")
	}
	mb.gen.Add(1) // every handle of this membership is dead from here on
	// Not running: the next Join resumes from idle.
	mb.mode = modeIdle
	keep := mb
	if mb.depth > 0 {
		mb.leaveEnded = make([]leftScope, mb.depth)
		for d := range mb.leaveEnded {
			mb.leaveEnded[d].tag = mb.stack[d].tag
		}
		mb.stack = nil
		mb.left.Store(true) // after leaveEnded: see member.left
		mb.cleanup.Stop()
		keep = nil
	}
	mb.depth = 0
	mb.setTop(0)
	mb.count = mb.count.next() // leaving is an idle entry: a grace period stops waiting
	mb.iso.vacate(mb.slot, keep, mb.count)
}

// live returns the record of m's membership; it panics if the membership
// is over, or m is the zero Member. It inlines.
func (m Member) live() *member {
	if m.gen == 0 || m.mb.gen.Load() != m.gen { // the zero Member has gen 0
		m.dead()
	}
	return m.mb
}

func (m Member) dead() {
	if m.mb == nil {
		panic("isolate: use of the zero Member (not returned by Join)")
	}
	panic("isolate: use of a Member after Leave")
}
