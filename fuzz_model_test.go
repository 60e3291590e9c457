package isolate

// fuzzModel, the reference state machine that FuzzOps (fuzz_test.go)
// checks the Isolator against. Its grace periods are in fuzz_grace_test.go.

import "strings"

// Published member states in the model.
const (
	fmRunning uint8 = iota
	fmHarmless
	fmIdle
)

// What an operation, or a blocked operation when it completes, results in.
type fuzzResult uint8

const (
	frBlocked fuzzResult = iota // did not return (yet)
	frOK                        // returned normally (a release, an end, ...)
	frFailed                    // TryIsolate returned false
	frCtxErr                    // returned an error that wraps context.Canceled
	frPanic                     // panicked with "isolate: ..."
)

func (r fuzzResult) String() string {
	return [...]string{"blocked", "ok", "failed", "ctx error", "panic"}[r]
}

// What a blocked member waits for.
type fuzzWait uint8

const (
	fwNone      fuzzWait = iota
	fwHeld               // held back ending a scope, in Poll or in Join
	fwRequest            // its isolation request is pending
	fwWithdrawn          // its request was cancelled; held until no grant
)

type fuzzScope struct {
	kind  scopeKind
	holds bool  // the isolate scope that holds the grant
	prev  uint8 // the member's state when it opened
	// opened numbers the scopes opened at the scope's depth: an End or
	// a release ends only the very scope it came from.
	opened int
	live   bool // in leaveEnded: not yet ended by its end func
}

type fuzzMember struct {
	joined     bool
	mode       uint8 // running, harmless or idle, as its scopes make it
	stack      []fuzzScope
	own        int // depth+1 of the scope that holds the grant, 0 if none
	ownFull    bool
	leaveEnded []fuzzScope // the scopes that Leave ended, by depth
	opens      []int       // scopes opened at each depth so far
	wait       fuzzWait
	heldFrom   uint8
}

// fuzzModel is the reference state machine. Actors 0 to fuzzMembers-1 are
// members, the others outsiders.
type fuzzModel struct {
	mem    [fuzzMembers]fuzzMember
	busy   [fuzzActors]bool // the actor's driver is blocked
	full   [fuzzActors]bool // the actor's request is full
	mode   [fuzzActors]uint8
	plainQ []int
	fullQ  []int
	// ticket is the arrival order of each actor's request, from tickets.
	ticket  [fuzzActors]int
	tickets int
	owner   int // the actor that is isolated, -1 if none
	// ownerFull tells the kind of the owner's isolation (an outsider may
	// hold one while it requests another).
	ownerFull bool
	// grants counts grants; ownerGrant is the owner's, grantOf each
	// actor's latest: an outsider's release ends only its own grant.
	grants, ownerGrant int
	grantOf            [fuzzActors]int
	held               []int
	// grace are the grace periods and deferred funcs (fuzz_grace_test.go).
	grace fuzzGrace
	// done collects the results of blocked operations that complete
	// during the current step.
	done map[int]fuzzResult
}

func (m *fuzzModel) granted() bool { return m.owner >= 0 }

func (m *fuzzModel) quiet() bool {
	return m.owner < 0 && len(m.plainQ) == 0 && len(m.fullQ) == 0
}

// holds reports whether the current requests keep a member in state from
// (harmless or idle) from running.
func (m *fuzzModel) holdsBack(from uint8) bool {
	if m.granted() || len(m.plainQ) > 0 {
		return true
	}
	return from == fmIdle && len(m.fullQ) > 0
}

// pub is the state member i publishes, as isolators see it.
func (m *fuzzModel) pub(i int) uint8 {
	mm := &m.mem[i]
	switch mm.wait {
	case fwHeld:
		return mm.heldFrom
	case fwWithdrawn:
		// Held in the state its request waited in (withdrawLocked):
		// idle for a full request, harmless for a plain one (it ran
		// before it asked); admitted as from harmless.
		if m.full[i] {
			return fmIdle
		}
		return mm.heldFrom
	case fwRequest:
		if m.full[i] || m.mode[i] == fmIdle {
			return fmIdle
		}
		return fmHarmless
	}
	if mm.own > 0 && mm.stack[mm.own-1].prev == fmIdle {
		// Its isolated section, from an idle scope, may take
		// references: published running until the release (grant);
		// scopes nested in it change nothing (its mode is idle).
		return fmRunning
	}
	return mm.mode
}

// othersAre reports whether every joined member but who publishes a state
// that ok accepts.
func (m *fuzzModel) othersAre(who int, ok func(uint8) bool) bool {
	for i := range m.mem {
		if i != who && m.mem[i].joined && !ok(m.pub(i)) {
			return false
		}
	}
	return true
}

func (m *fuzzModel) complete(who int, r fuzzResult) {
	m.busy[who] = false
	m.done[who] = r
}

func (m *fuzzModel) schedule() {
	if m.owner >= 0 {
		return
	}
	m.admit(func(from uint8) bool { return !m.holdsBack(from) })
	fullOK := len(m.fullQ) > 0 && m.othersAre(m.fullQ[0], func(s uint8) bool { return s == fmIdle })
	plainOK := len(m.plainQ) > 0 && m.othersAre(m.plainQ[0], func(s uint8) bool { return s != fmRunning })
	switch {
	case fullOK && (len(m.plainQ) == 0 || m.ticket[m.fullQ[0]] < m.ticket[m.plainQ[0]]):
		m.grant(m.fullQ[0])
	case plainOK:
		m.grant(m.plainQ[0])
	}
}

// admit lets the held members for which may holds run.
func (m *fuzzModel) admit(may func(from uint8) bool) {
	kept := m.held[:0]
	for _, i := range m.held {
		mm := &m.mem[i]
		if !may(mm.heldFrom) {
			kept = append(kept, i)
			continue
		}
		r := frOK
		if mm.wait == fwWithdrawn {
			r = frCtxErr
		}
		mm.wait, mm.mode = fwNone, fmRunning
		m.complete(i, r)
	}
	m.held = kept
}

func (m *fuzzModel) hold(i int, from uint8, w fuzzWait) {
	m.mem[i].wait, m.mem[i].heldFrom = w, from
	m.busy[i] = true
	m.held = append(m.held, i)
}

func unqueue(q []int, who int) []int {
	for k, x := range q {
		if x == who {
			return append(q[:k:k], q[k+1:]...)
		}
	}
	panic("fuzz model: request not queued")
}

func (m *fuzzModel) queue(who int) *[]int {
	if m.full[who] {
		return &m.fullQ
	}
	return &m.plainQ
}

func (m *fuzzModel) grant(who int) {
	q := m.queue(who)
	*q = unqueue(*q, who)
	m.owner, m.ownerFull = who, m.full[who]
	m.grants++
	m.ownerGrant, m.grantOf[who] = m.grants, m.grants
	if who < fuzzMembers {
		mm := &m.mem[who]
		mm.wait = fwNone
		mm.own, mm.ownFull = len(mm.stack)+1, m.full[who]
		mm.push(kindIsolate, true)
	}
	m.complete(who, frOK)
}

func (m *fuzzModel) release() {
	full := m.ownerFull
	m.owner = -1
	fullPending := len(m.fullQ) > 0
	m.admit(func(from uint8) bool { return from == fmHarmless || full || !fullPending })
	m.schedule()
}

// withdraw takes back the pending request of who, whose context ended (or
// whose TryIsolate failed: try is set).
func (m *fuzzModel) withdraw(who int, try bool) {
	q := m.queue(who)
	*q = unqueue(*q, who)
	switch {
	case who < fuzzMembers && m.mode[who] == fmRunning && m.granted():
		m.hold(who, fmHarmless, fwWithdrawn)
	case try:
		if who < fuzzMembers {
			m.mem[who].wait = fwNone
		}
		m.complete(who, frFailed)
	default:
		if who < fuzzMembers {
			m.mem[who].wait = fwNone
		}
		m.complete(who, frCtxErr)
	}
	m.schedule()
}

// Isolation variants, as decoded from the input.
type fuzzVariant struct {
	full, try, cancellable, cancelled bool
}

// Indexes into fuzzVariants.
const (
	fvPlain         = iota // Isolate
	fvFull                 // IsolateFull
	fvCtx                  // IsolateContext, cancelled by foCancel
	fvFullCtx              // IsolateFullContext, cancelled by foCancel
	fvTry                  // TryIsolate
	fvCancelled            // IsolateContext, context done already
	fvFullCancelled        // IsolateFullContext, context done already
)

var fuzzVariants = [...]fuzzVariant{
	fvPlain:         {},
	fvFull:          {full: true},
	fvCtx:           {cancellable: true},
	fvFullCtx:       {full: true, cancellable: true},
	fvTry:           {try: true},
	fvCancelled:     {cancelled: true},
	fvFullCancelled: {full: true, cancelled: true},
	7:               {cancellable: true},
}

func (v fuzzVariant) String() string {
	var b strings.Builder
	switch {
	case v.try:
		return "TryIsolate"
	case v.full:
		b.WriteString("IsolateFull")
	default:
		b.WriteString("Isolate")
	}
	if v.cancellable || v.cancelled {
		b.WriteString("Context")
	}
	if v.cancelled {
		b.WriteString(" (done already)")
	}
	return b.String()
}

// request models an isolation request by who (member or outsider).
func (m *fuzzModel) request(who int, v fuzzVariant) fuzzResult {
	if v.cancelled {
		return frCtxErr
	}
	if v.try && !m.quiet() {
		return frFailed
	}
	m.full[who] = v.full
	m.busy[who] = true
	if who < fuzzMembers {
		m.mode[who] = m.mem[who].mode
		m.mem[who].wait = fwRequest
	}
	m.tickets++
	m.ticket[who] = m.tickets
	q := m.queue(who)
	*q = append(*q, who)
	m.schedule()
	if m.owner != who && v.try {
		m.withdraw(who, true)
	}
	return m.take(who)
}

// take returns the result that the operation of who has by now, taking it
// out of done: frBlocked if it has none.
func (m *fuzzModel) take(who int) fuzzResult {
	r, ok := m.done[who]
	if !ok {
		return frBlocked
	}
	delete(m.done, who)
	return r
}

func (m *fuzzModel) memberIsolate(i int, v fuzzVariant) fuzzResult {
	mm := &m.mem[i]
	switch {
	case !mm.joined:
		return frPanic
	case mm.own > 0:
		if v.full && !mm.ownFull {
			return frPanic
		}
		mm.push(kindIsolate, false)
		return frOK
	case v.full && mm.mayHoldReferences():
		return frPanic // it may hold references
	}
	return m.request(i, v)
}

// mayHoldReferences reports whether Idle and IsolateFull panic: mm is
// harmless, or runs in a busy scope opened harmless (the innermost scope
// not opened running was opened harmless).
func (mm *fuzzMember) mayHoldReferences() bool {
	if mm.mode != fmRunning {
		return mm.mode == fmHarmless
	}
	for d := len(mm.stack) - 1; d >= 0; d-- {
		if prev := mm.stack[d].prev; prev != fmRunning {
			return prev == fmHarmless
		}
	}
	return false
}

// push opens a scope of kind k on mm, in its current mode.
func (mm *fuzzMember) push(k scopeKind, ownsGrant bool) {
	d := len(mm.stack)
	for len(mm.opens) <= d {
		mm.opens = append(mm.opens, 0)
	}
	mm.opens[d]++
	mm.stack = append(mm.stack, fuzzScope{kind: k, holds: ownsGrant, prev: mm.mode, opened: mm.opens[d]})
}

func (m *fuzzModel) join(i int) fuzzResult {
	mm := &m.mem[i]
	*mm = fuzzMember{joined: true}
	return m.resume(i, fmIdle) // Join is the end of an idle scope
}

// joinIdle models JoinIdle: the member is idle, with no scope open, and
// waits for nothing.
func (m *fuzzModel) joinIdle(i int) fuzzResult {
	m.mem[i] = fuzzMember{joined: true, mode: fmIdle}
	return frOK
}

func (m *fuzzModel) open(i int, k scopeKind) fuzzResult {
	mm := &m.mem[i]
	if !mm.joined || (k == kindIdle && mm.mayHoldReferences()) {
		return frPanic
	}
	mm.push(k, false)
	if k == kindBusy {
		// Runs, from idle or harmless as a scope's end would; in a
		// running member, or in its own section in the mode it asked
		// in, nothing changes.
		if mm.mode == fmRunning || mm.own > 0 && mm.mode == mm.stack[mm.own-1].prev {
			return frOK
		}
		return m.resume(i, mm.mode)
	}
	if mm.mode == fmRunning {
		mm.mode = fmHarmless
		if k == kindIdle {
			mm.mode = fmIdle
		}
		m.schedule()
	}
	return frOK
}

// resume models member i going back to running from state from.
func (m *fuzzModel) resume(i int, from uint8) fuzzResult {
	m.mem[i].mode = fmRunning
	if !m.holdsBack(from) || m.owner == i {
		m.schedule()
		return frOK
	}
	m.hold(i, from, fwHeld)
	m.schedule()
	return m.take(i)
}

// matches reports whether the end of a scope of kind k numbered opened at
// its depth is that of scope e, at the same depth: ends are exact.
func (e fuzzScope) matches(k scopeKind, opened int) bool {
	return e.kind == k && e.opened == opened
}

// end models the end func of the scope of kind k at depth d, numbered
// opened, of member i.
func (m *fuzzModel) end(i, d int, k scopeKind, opened int) fuzzResult {
	mm := &m.mem[i]
	if !mm.joined {
		if k != kindIsolate && d < len(mm.leaveEnded) && mm.leaveEnded[d].live && mm.leaveEnded[d].matches(k, opened) {
			mm.leaveEnded[d].live = false
			return frOK
		}
		return frPanic
	}
	if d+1 != len(mm.stack) || !mm.stack[d].matches(k, opened) {
		return frPanic
	}
	e := mm.stack[d]
	mm.stack = mm.stack[:d]
	switch {
	case e.holds:
		mm.own, mm.ownFull = 0, false
		m.release()
	case e.prev != mm.mode && e.prev != fmRunning:
		// A busy scope's end: back to idle or harmless, never held.
		mm.mode = e.prev
		m.schedule()
	case e.prev != mm.mode:
		return m.resume(i, mm.mode)
	}
	return frOK
}

func (m *fuzzModel) poll(i int) fuzzResult {
	mm := &m.mem[i]
	switch {
	case !mm.joined && (m.granted() || len(m.plainQ) > 0):
		return frPanic // the slow path checks the handle
	case !mm.joined:
		return frOK // one load, and nothing to do
	case !m.granted() && len(m.plainQ) == 0, mm.mode != fmRunning, mm.own > 0:
		return frOK
	}
	mm.mode = fmHarmless
	m.schedule()
	return m.resume(i, fmHarmless)
}

func (m *fuzzModel) leave(i int) fuzzResult {
	mm := &m.mem[i]
	if !mm.joined || mm.own > 0 {
		return frPanic
	}
	mm.leaveEnded = mm.stack
	for d := range mm.leaveEnded {
		mm.leaveEnded[d].live = true
	}
	mm.stack, mm.joined = nil, false
	m.schedule()
	return frOK
}

// outsiderRelease models the release func of the outsider's grant numbered
// grant.
func (m *fuzzModel) outsiderRelease(grant int) fuzzResult {
	if m.owner < fuzzMembers || m.ownerGrant != grant {
		return frPanic
	}
	m.release()
	return frOK
}
