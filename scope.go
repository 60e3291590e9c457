package isolate

import "sync/atomic"

// The scope stack: every Harmless, Idle, Busy and Isolate scope a member
// opens is pushed on its record's stack and named by a tag that the record
// never gives out again, so that an End or a release func is bound to its
// one scope (Scope.End, Member.release). The member's moves between modes
// that the scopes make are in harmless.go.

type scopeKind uint8

// The kinds of scopes; a scope's tag holds its kind in its low bits.
const (
	kindHarmless scopeKind = iota
	kindIdle
	kindIsolate
	kindBusy
)

// tagStep is the step of member.serial: the bits below it hold a tag's
// kind.
const tagStep = 4

// scope is an open Harmless, Idle, Busy or Isolate scope.
type scope struct {
	// tag names the scope: the record's serial when it opened, with its
	// kind in the low bits. Never 0.
	tag uint64
	// below is member.top before the scope opened.
	below uint64
	// prev is the member's mode when the scope opened.
	prev mode
	// ownsGrant is set on the isolate scope that holds the grant (not on
	// isolations nested in it).
	ownsGrant bool
}

// kind returns the kind of the scope named tag.
func kindOf(tag uint64) scopeKind { return scopeKind(tag % tagStep) }

// A leftScope is a scope that Leave ended; its End is a no-op once.
type leftScope struct {
	tag   uint64
	ended atomic.Bool
}

// maxDepth is the number of scopes a member may have open at once. A deeper
// stack is a bug: an end func that is never called, typically `defer
// m.Harmless()` with one pair of parentheses, in a loop.
const maxDepth = 1000

// reserve makes room for one more scope, before anything changes: it
// panics if maxDepth scopes are open. It inlines.
func (mb *member) reserve() {
	if mb.depth == len(mb.stack) {
		mb.grow()
	}
}

// push opens a scope of kind k at the top of the stack, the member being in
// mode prev, and returns its tag. The caller reserved room, and sets
// ownsGrant for an isolate scope (so that push inlines). It inlines.
func (mb *member) push(k scopeKind, prev mode) uint64 {
	d := mb.depth
	e := &mb.stack[d]
	mb.serial += tagStep
	tag := mb.serial | uint64(k)
	// Field by field, not a composite literal: that zeroes the entry with
	// one wide store and patches it with narrow ones, and the End's
	// loads of the entry then wait for all of them (no store forwarding).
	e.tag, e.below, e.prev, e.ownsGrant = tag, mb.top, prev, false
	mb.setTop(tag)
	mb.depth = d + 1
	return tag
}

// pop ends the innermost open scope, e, which the caller checked. It
// inlines.
func (mb *member) pop(e *scope) {
	mb.setTop(e.below)
	mb.depth--
}

// grow doubles the scope stack, after checking that it may grow. It is out
// of line: inlined in reserve, it would give the scopes' fast paths its
// frame.
//
//go:noinline
func (mb *member) grow() {
	if len(mb.stack) >= maxDepth {
		panic("isolate: 1000 scopes open at once: an End is never called " +
			"(`defer m.Harmless()` instead of `defer m.Harmless().End()`?)")
	}
	n := min(len(mb.stack), maxDepth-len(mb.stack))
	mb.stack = append(mb.stack, make([]scope, n)...)
}

// A Scope is one harmless, idle, busy or isolate scope of a member, from
// the call that opened it ([Member.Harmless], [Member.Idle], [Member.Busy],
// [Member.IsolateScope]) to its End. It is a small value, as
// runtime/trace's Region is, so that opening a scope allocates nothing:
//
//	defer m.Harmless().End()
//
// A Scope is bound to the one scope it opened: it names it by a number
// that the member's record never gives out again, in this membership or a
// later one. The zero Scope is no scope: its End panics.
type Scope struct {
	s   *member
	tag uint64
}

// End ends the scope. It must be called once, by the goroutine that holds
// the member (see [Member]), in the reverse order of opening. The End of a
// harmless or idle scope may block: the member runs again, and waits for
// an isolation in progress or requested to end first, as the scope's doc
// says; the End of a busy scope never blocks. The End of an isolate scope
// releases the isolation, as Isolate's release func does, and never blocks
// either.
//
// An End that is not the innermost open scope's panics, and changes
// nothing: called twice, after its scope ended otherwise, out of order,
// or after the membership is over (however many scopes and memberships
// came since), with one exception: the End of a scope that Leave ended is
// a no-op, once. This holds whichever goroutine calls it, once its scope
// has ended (the end synchronized before the call): such an End reads one
// word of the member, atomically, and the race detector reports no race
// with the member's goroutine.
func (sc Scope) End() {
	mb := sc.s
	if mb == nil || mb.loadTop() != sc.tag {
		sc.endMisuse()
		return
	}
	e := &mb.stack[mb.depth-1]
	if kindOf(sc.tag) == kindIsolate {
		mb.endIsolate(e)
		return
	}
	mb.pop(e)
	if e.prev != mb.mode {
		if e.prev == modeRunning {
			mb.resume()
		} else {
			mb.restore(e.prev)
		}
	}
}

var endMisuseMessages = [...]string{
	kindHarmless: "isolate: Harmless scope ended twice or out of order",
	kindIdle:     "isolate: Idle scope ended twice or out of order",
	kindBusy:     "isolate: Busy scope ended twice or out of order",
	kindIsolate:  releaseMisuse,
}

// endMisuse handles the End of a scope that is not the innermost open one:
// a scope that Leave ended (a no-op, once), or misuse. It writes nothing
// but the ended flag of a scope that Leave ended, so that a stale End
// from another goroutine is no data race.
//
//go:noinline
func (sc Scope) endMisuse() {
	mb := sc.s
	if mb == nil {
		panic("isolate: End of the zero Scope")
	}
	if mb.left.Load() { // then leaveEnded is set, for good
		for i := range mb.leaveEnded {
			if e := &mb.leaveEnded[i]; e.tag == sc.tag {
				if e.ended.CompareAndSwap(false, true) {
					return
				}
				break
			}
		}
	}
	panic(endMisuseMessages[kindOf(sc.tag)])
}

// setTop sets the tag of the innermost open scope: the member's own
// goroutine writes it, and an End's check, maybe on another goroutine,
// loads it atomically. Where the race detector sees the two, the store is
// atomic too, so that such an End is no data race; elsewhere it is a
// plain store (an atomic one is a locked instruction on amd64, as
// costly as the scope's swap): a load of an aligned machine word sees one
// of the values written, never a mix (the Go memory model), and no tag is
// ever written again, so an End that loads a stale tag still fails its
// check. On 32-bit ports, where a tag is two words, the store is atomic.
// It inlines.
func (mb *member) setTop(tag uint64) {
	if plainTop {
		mb.top = tag
	} else {
		atomic.StoreUint64(&mb.top, tag)
	}
}

// plainTop is set where setTop may store plainly.
const plainTop = !raceEnabled && ^uint(0)>>63 == 1

// loadTop returns the tag of the innermost open scope. It inlines.
func (mb *member) loadTop() uint64 { return atomic.LoadUint64(&mb.top) }
