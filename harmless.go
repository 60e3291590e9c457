package isolate

// A Scope is one harmless or idle scope of a member, from the call that
// opened it ([Member.Harmless], [Member.Idle]) to its End. It is a small
// value, as runtime/trace's Region is, so that opening a scope allocates
// nothing:
//
//	defer m.Harmless().End()
//
// The zero Scope is no scope: its End panics.
type Scope struct {
	end func()
}

// End ends the scope. It must be called once, on the member's goroutine,
// in the reverse order of opening; see [Member.Harmless] for what a stale
// End does.
func (sc Scope) End() {
	if sc.end == nil {
		panic("isolate: End of the zero Scope")
	}
	sc.end()
}

// Harmless marks the member harmless until the scope's End is called: it
// promises not to touch the shared state the Isolator protects, so that an
// isolation may run meanwhile. End waits for such an isolation to end. Wrap
// every call that may block inside a job:
//
//	sc := m.Harmless()
//	v, err := conn.Read(buf)
//	sc.End()
//
// Scopes nest, and must end in the reverse order of opening. Harmless
// inside an idle scope or inside another harmless scope changes nothing.
// Inside the member's own isolated section it is allowed and waits for
// nobody.
//
// End belongs to this one scope. Called again, or after its scope ended
// otherwise, it panics, except when an even number of scopes (two or more)
// has opened at its depth since: it cannot tell them apart, and ends the
// scope open there, whose own end then panics. The rule spans memberships,
// as a member's state goes to the next member of its place; but in the
// membership right after its own, a stale end always panics.
// At most 1000 scopes may be open at once: opening one more panics, for
// it means that some End is never called (`m.Harmless()` without `.End()`
// is the usual mistake; isolatevet reports it).
func (m Member) Harmless() Scope {
	s := m.state()
	prev := s.mode
	s.reserve()
	if prev == stateRunning {
		// Publish first: the swap then finds no store of ours to wait for.
		s.enter(stateHarmless)
		s.mode = stateHarmless
	}
	d, p := s.push(kindHarmless, prev, m.gen)
	return Scope{s.endFunc(d, m.gen, kindHarmless, p)}
}

// Idle marks the member idle until the scope's End is called: harmless, and holding no
// reference to shared objects (typically: waiting for its next job), so that
// even a full isolation ([Isolator.IsolateFull]) may run meanwhile. End waits
// while any isolation is in progress or requested.
//
// Idle panics inside a harmless scope, where the member may hold
// references. Harmless and Idle scopes nested inside Idle change nothing.
// End is bound to its scope as Harmless's is.
func (m Member) Idle() Scope {
	s := m.state()
	if s.mode == stateHarmless {
		panic("isolate: Idle inside a Harmless scope")
	}
	s.reserve()
	d, p := s.push(kindIdle, s.mode, m.gen)
	if s.mode == stateRunning {
		s.mode = stateIdle
		s.count = nextCount(s.count)
		s.enter(stateIdle)
	}
	return Scope{s.endFunc(d, m.gen, kindIdle, p)}
}

// Poll is a safepoint for members that run long without blocking: if an
// isolation is in progress or a plain one requested, the member becomes
// harmless until no isolation is in progress or requested, then runs on.
// Otherwise Poll costs one load. A pending full isolation alone does not
// stop it: it waits for members to be idle, which Poll cannot make them.
// Inside a harmless, idle or own isolated scope Poll does nothing.
func (m Member) Poll() {
	if g := m.gate; g == nil || g.Load()&gateHoldsHarmless != 0 {
		m.pollSlow()
	}
}

func (m Member) pollSlow() {
	s := m.state()
	if s.mode != stateRunning || s.own > 0 {
		return
	}
	s.mode = stateHarmless
	s.enter(stateHarmless)
	s.resume()
}

// endFunc returns the end func of the scope of kind k (harmless or idle) at
// depth d with parity p, in the membership numbered gen.
func (s *member) endFunc(d int, gen uint64, k scopeKind, p uint8) func() {
	return s.ends[d][gen&1][k][p]
}

// makeEnds makes the end funcs of the depths from d up to the stack's
// length.
func (s *member) makeEnds(d int) {
	for ; d < len(s.ends); d++ {
		for b := range s.ends[d] {
			for k := range s.ends[d][b] {
				for p := range s.ends[d][b][k] {
					s.ends[d][b][k][p] = s.makeEnd(d, uint64(b), scopeKind(k), uint8(p))
				}
			}
		}
	}
}

// makeEnd creates the end func of the scope of kind k at depth d with parity
// p, for the memberships whose generation has the low bit b. The func is the
// whole end path, not a call to a method, so that ending a scope costs one
// call. Its test is one load and compare: member.top must name its scope.
// An end func of the previous membership, perhaps called on the goroutine
// that left, sees either that goroutine's own last top (0, set by Leave) or
// one that names a scope of the other membership parity: it panics.
func (s *member) makeEnd(d int, b uint64, k scopeKind, p uint8) func() {
	tag := scopeTag(d, b, k, p)
	return func() {
		if s.top != tag {
			s.endMisuse(d, b, k, p)
			return
		}
		e := &s.stack[d]
		s.top = e.below
		if e.prev != s.mode {
			// Back to running (Idle inside Harmless panics, so the
			// scope opened in running).
			s.resume()
		}
		s.depth = d
	}
}

var endMisuseMessages = [...]string{
	kindHarmless: "isolate: Harmless scope ended twice or out of order",
	kindIdle:     "isolate: Idle scope ended twice or out of order",
}

// endMisuse handles an end func called for a scope that is not the
// innermost open one: a scope that Leave ended (a no-op, once), or misuse.
func (s *member) endMisuse(d int, b uint64, k scopeKind, p uint8) {
	// A state that Leave retired keeps the scopes of its last membership,
	// whose generation is one less than the state's.
	if s.left && (s.gen.Load()-1)&1 == b && d < len(s.leaveEnded) {
		if e := &s.leaveEnded[d]; e.kind == k && e.parity == p {
			e.kind = kindIsolate // consumed: no end func matches it again
			return
		}
	}
	panic(endMisuseMessages[k])
}

// enter publishes that the member is harmless or idle (st; a caller moving
// into idle has made s.mode idle), and kicks an isolator or a grace period
// that waits for this change. Such a caller has counted the idle entry in
// s.count (invariant 7; not here, so that enter inlines).
func (s *member) enter(st uint32) {
	if old := s.state.Swap(s.count | st); old >= stateWatched {
		s.flagged(old)
	}
}

// flagged is the slow path of enter's move, which found the flags of the
// word old set: the awaited flag is handed on, or reported if the member's
// mode is idle (invariant 8; Harmless sets its mode only after enter, so
// flagged sees running there, and hands the flag on as for harmless), and a
// watched flag kicks the Isolator.
//
//go:noinline
func (s *member) flagged(old uint32) {
	if old&stateAwaited != 0 {
		s.passAwaited(s.mode)
	}
	if old&stateWatched != 0 {
		s.iso.kick()
	}
}

// passAwaited hands an awaited flag, which the member's move to st has just
// cleared, on to st if a grace period still watches the member, or wakes
// the grace periods if st is idle (grace.go).
func (s *member) passAwaited(st uint32) {
	if st == stateIdle {
		s.iso.grace.kick()
	} else {
		s.iso.grace.handOn(s.slot)
	}
}

// nextCount returns the count bits after count and one more idle entry: the
// count wraps within its bits.
func nextCount(count uint32) uint32 {
	return (count + idleOne) & countMask
}

// publish writes st (harmless or idle) in the member's word on a slow path
// of its own goroutine, as enter does, and returns the old word. It kicks
// no isolator: the callers hold mu and schedule.
func (s *member) publish(st uint32) (old uint32) {
	if st == stateIdle && s.state.Load()&stateMask != stateIdle {
		s.count = nextCount(s.count)
	}
	old = s.state.Swap(s.count | st)
	if old&stateAwaited != 0 {
		s.passAwaited(st)
	}
	return old
}

// resume publishes that the member runs, then checks the gate (invariant 1):
// if an isolation holds it, or an isolator watched it, the slow path decides.
func (s *member) resume() {
	from := s.mode
	s.mode = stateRunning
	if old := s.state.Swap(s.count | stateRunning); old >= stateWatched || holds(from, s.gate.Load()) {
		s.resumeSlow(from, old)
	}
}

// resumeSlow is out of line so that resume inlines. old is the word that
// resume's Swap replaced: an awaited flag in it goes on (invariant 8), and
// takes no lock; the Isolator's slow path is for a watched flag or a gate
// that holds the member.
//
//go:noinline
func (s *member) resumeSlow(from, old uint32) {
	if old&stateAwaited != 0 {
		s.passAwaited(stateRunning)
		if old&stateWatched == 0 && !holds(from, s.gate.Load()) {
			return
		}
	}
	s.iso.resumeSlow(s, from, old&stateWatched != 0)
}
