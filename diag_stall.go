package isolate

import (
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate/arch"
)

// Stall reports. A wait that lasts longer than StallAfter is reported by a
// timer's goroutine, and reported again while it lasts, at intervals that
// double up to maxStallGap: the waiting goroutine does nothing but wait, so
// that a report never delays the grant it reports on, and a wait that ends
// stops its timer. What waits:
//
//	an isolation request    its own timer (request.stall), armed on its
//	                        wait path; reports who blocks it
//	a grace period          its own timer, armed on its wait path;
//	                        reports the members never idle since
//	held members and Joins  one timer per hold episode (stallReports.held),
//	                        armed by the first hold, stopped when the
//	                        last held member is admitted; reports the
//	                        isolation that holds them and who waits
//
// Each wait (and each hold episode) gets a timer of its own, stopped by the
// waiter (by the admitter of the last held member) or re-armed only by its
// own func: a timer made in a testing/synctest bubble must not be touched
// from outside it. A report
// func checks, under the lock, that its wait goes on and that a report is
// due: a timer that fires late, for an earlier wait, does nothing.
//
// Under the Isolator's locks a report only collects slots, state words and
// call sites; names, frames and strings are made after. If named members
// are involved, a report takes one dump of every goroutine (see
// diag_goroutine.go) to say where each waits, and to find a member that asked
// through the Isolator and waits for itself. Without a dump, reports also
// compare goroutines by arch.G: a member records its goroutine's when it
// joins with Join or JoinNamed (not when it joins idle: callback
// frameworks run those on other goroutines), and when a Busy scope makes
// it run, until that scope's End; a request, a grace period or a held
// member records its waiting goroutine's. A requester whose G is a joined
// member's is that member. A G identifies a goroutine only while it lives,
// and a member handed to another goroutine keeps its joiner's: this is a
// diagnostic, which may (rarely) name the wrong member, never a rule that
// anything depends on. A member dropped without Leave is named leaked once
// a garbage collection has found it (the library never forces one).

// defaultStallAfter is StallAfter's value when it is zero.
const defaultStallAfter = time.Second

// maxStallGap bounds the interval between two reports of one wait (unless
// StallAfter is longer).
const maxStallGap = time.Minute

func (iso *Isolator) stallAfter() time.Duration {
	if iso.StallAfter == 0 {
		return defaultStallAfter
	}
	return iso.StallAfter
}

// nextDue returns the total wait at which a wait reported when it had lasted
// waited is reported again: the intervals double, from StallAfter (after)
// up to maxStallGap.
func nextDue(after, waited time.Duration) time.Duration {
	return waited + min(max(waited, after), max(maxStallGap, after))
}

// A stallClock schedules the reports of one wait, under the lock that its
// report func takes. Each wait gets a timer of its own, which only the
// waiting goroutine (Stop) and the timer's own func (Reset) touch: a timer
// made in a testing/synctest bubble must not be touched from outside it,
// and an Isolator may outlive a bubble.
type stallClock struct {
	timer *time.Timer
	// gen numbers the waits: the report func of an earlier wait's timer,
	// running late, does nothing.
	gen uint64
	// due is the total wait at which the next report is due, count the
	// reports made of the wait so far, fireAt when the timer should fire.
	due    time.Duration
	count  int
	fireAt time.Time
}

// next numbers a new wait of c, for its report func to check with current.
func (c *stallClock) next() uint64 {
	c.gen++
	return c.gen
}

// start arms c, whose wait next numbered, to call report after StallAfter
// (after), and returns its timer.
func (c *stallClock) start(after time.Duration, report func()) *time.Timer {
	c.due, c.count, c.fireAt = after, 0, time.Now().Add(after)
	c.timer = time.AfterFunc(after, report)
	return c.timer
}

// current reports whether gen is the number of c's wait.
func (c *stallClock) current(gen uint64) bool {
	return c.gen == gen
}

// rearm makes c's timer fire again in d; its report func calls it.
func (c *stallClock) rearm(d time.Duration) {
	c.fireAt = time.Now().Add(d)
	c.timer.Reset(d)
}

// reported counts a report made when the wait had lasted waited, arms the
// next one, and returns the report's number. The first report of a wait
// counts a stall in stalls.
func (c *stallClock) reported(after, waited time.Duration, stalls *atomic.Uint64) int {
	c.count++
	if c.count == 1 {
		stalls.Add(1)
	}
	c.due = nextDue(after, waited)
	c.rearm(c.due - waited)
	return c.count
}

// stallReports is what an Isolator keeps of its stall reports (under mu, but the
// counter).
type stallReports struct {
	// stalls counts the waits reported.
	reported atomic.Uint64
	// held schedules the reports of held members: armed at a hold while
	// it is not (timer nil), it looks at the held members when it fires,
	// and is disarmed when it finds none. Its count is for the grant
	// heldBy, number heldGrant.
	held      stallClock
	heldBy    *request
	heldGrant uint64
	// heldFake is set if held's timer was made in a synctest bubble.
	heldFake bool
}

// watchStall arranges, under mu, for req, about to wait, to be reported if
// it waits StallAfter (and again if it goes on), and returns the timer to
// stop when the wait ends; nil when stall reports are off. It records where
// the requester called from.
func (iso *Isolator) watchStall(req *request) *time.Timer {
	after := iso.stallAfter()
	if after < 0 {
		return nil
	}
	var pc [1]uintptr
	// Skip Callers, watchStall, awaitGrant, acquire, isolate and Isolate
	// (or a variant): runtime.Callers counts inlined frames too.
	// TestStallReportNamesBlockerAndHolder checks the count.
	runtime.Callers(6, pc[:])
	req.pc, req.g = pc[0], arch.G()
	gen := req.stall.next()
	return req.stall.start(after, func() { iso.reportStall(req, gen) })
}

// reportStall reports req if it still waits and a report is due. It runs on
// the timer's goroutine, which may also run late, during a later wait of the
// same request object: the checks sort that out.
func (iso *Isolator) reportStall(req *request, gen uint64) {
	iso.mu.Lock()
	after := iso.stallAfter()
	waited := time.Since(req.since)
	if !req.stall.current(gen) || req.since.IsZero() || waited < req.stall.due {
		iso.mu.Unlock()
		return
	}
	blockers := iso.blockersLocked()
	holder := iso.holderLocked()
	if len(blockers) == 0 && holder == nil {
		// Nobody blocks and no isolation holds: the last blocker's kick is
		// in flight, and the wait is over but for the grant. No report,
		// but the next look is armed as if one were made.
		req.stall.due = nextDue(after, waited)
		req.stall.rearm(req.stall.due - waited)
		iso.mu.Unlock()
		return
	}
	count := req.stall.reported(after, waited, &iso.stalls.reported)
	// req is read under mu only: once mu is unlocked the request may be
	// granted, released and reused by another isolate, which writes it.
	kind, methods := StallIsolation, isolateMethods
	if req.full {
		kind, methods = StallFullIsolation, isolateFullMethods
	}
	requester := req.who()
	isolated := iso.isolatedLocked()
	named := iso.namedLocked()
	self := iso.joinedOnLocked(req.g, nil)
	onStall := iso.OnStall
	iso.mu.Unlock()

	r := StallReport{Kind: kind, Requester: requester.requester(), Waited: waited, Count: count, Blockers: infos(blockers, isolated)}
	r.Holder = holder.requesterOrNil()
	r.askedBy(infos(self, isolated))
	r.locate(infos(named, isolated), methods, false)
	r.send(onStall)
}

// The methods in which a goroutine that is a member may wait for itself,
// by the kind of its request.
var (
	isolateMethods     = []string{"(*Isolator).Isolate", "(*Isolator).IsolateContext"}
	isolateFullMethods = []string{"(*Isolator).IsolateFull", "(*Isolator).IsolateFullContext"}
	graceMethods       = []string{"(*Isolator).Synchronize", "(*Isolator).SynchronizeContext"}
	joinMethods        = []string{"(*Isolator).Join", "(*Isolator).JoinNamed"}
)

// holderLocked collects who holds the isolation (under mu); nil if nobody
// does.
func (iso *Isolator) holderLocked() *party {
	o := iso.owner
	if o == nil {
		return nil
	}
	h := o.who()
	h.isolated = true
	if !o.waitCounted {
		h.pc = 0 // granted at once: the call site was not recorded (pc is an earlier wait's)
	}
	return &h
}

// namedLocked collects the members that joined with a name, whose
// goroutines a report can find (under mu).
func (iso *Isolator) namedLocked() []sighting {
	var named []sighting
	iso.eachMember(func(sl *slot) {
		if sl.diag.goid.Load() != 0 {
			named = append(named, sighting{slot: sl, seen: sl.word.load()})
		}
	})
	return named
}

// locate says where the goroutines of the report's named members wait,
// from one dump of all goroutines (none if no member is named), and finds
// the requester among named: a request through the Isolator (in one of
// methods) by a goroutine that joined a named member is that member's.
// A member that joined idle is left out of both: it may have been handed
// to another goroutine since (see JoinIdleNamed).
// It returns the goroutines of the dump: every one if all is set.
func (r *StallReport) locate(named []MemberInfo, methods []string, all bool) map[uint64]goroutineTrace {
	want := map[uint64]bool{}
	for _, mi := range named {
		want[mi.Goroutine] = true
	}
	traces := dumpGoroutines(want, all)
	if traces == nil {
		return nil
	}
	where := func(mi *MemberInfo) {
		if mi == nil || mi.Goroutine == 0 || mi.JoinedIdle {
			return // a member that joined idle may be on another goroutine
		}
		t, ok := traces[mi.Goroutine]
		if !ok {
			mi.WaitReason = goroutineExited
			return
		}
		mi.WaitReason, mi.Stack = t.reason, userFrames(t.frames)
	}
	where(r.Requester.Member)
	if r.Holder != nil {
		where(r.Holder.Member)
	}
	for i := range r.Blockers {
		where(&r.Blockers[i])
	}
	for i := range r.Waiters {
		where(r.Waiters[i].Member)
	}
	if r.Requester.Member != nil || methods == nil {
		return traces
	}
	for i := range named {
		mi := &named[i]
		t, ok := traces[mi.Goroutine]
		if !ok || mi.JoinedIdle || !callsInto(t.frames, methods, r.Requester.Caller) {
			continue
		}
		where(mi)
		r.askedBy([]MemberInfo{*mi})
		return traces
	}
	return traces
}

// askedBy makes the member of self (none: nothing to do), whose goroutine
// made the report's request through the Isolator, its Requester, unless it
// has one: it waits for itself if it blocks the request.
func (r *StallReport) askedBy(self []MemberInfo) {
	if len(self) == 0 || r.Requester.Member != nil {
		return
	}
	mi := &self[0]
	r.Requester.Member = mi
	r.WaitsForItself = slices.ContainsFunc(r.Blockers, func(b MemberInfo) bool { return b.Slot == mi.Slot }) ||
		r.Holder != nil && r.Holder.Member != nil && r.Holder.Member.Slot == mi.Slot
}

// joinedOnLocked returns the member (at most one) other than on slot not
// that the goroutine g (arch.G) joined, in slot order; none if g is 0
// (under mu).
func (iso *Isolator) joinedOnLocked(g uintptr, not *slot) []sighting {
	var found []sighting
	if g == 0 {
		return nil
	}
	iso.eachMember(func(sl *slot) {
		if len(found) == 0 && sl != not && sl.diag.loadG() == g {
			found = append(found, sighting{slot: sl, seen: sl.word.load()})
		}
	})
	return found
}

// watchGraceStall arranges for the grace period w, about to wait, to be
// reported if it waits StallAfter (and again if it goes on), and returns the
// timer to stop when the wait ends; nil when stall reports are off.
func (iso *Isolator) watchGraceStall(w *graceWaiter) *time.Timer {
	after := iso.stallAfter()
	if after < 0 {
		return nil
	}
	c := new(stallClock)
	g := &iso.grace
	g.mu.Lock() // the report takes it before it looks at c
	defer g.mu.Unlock()
	return c.start(after, func() { iso.reportGraceStall(w, c) })
}

// reportGraceStall reports the grace period w, if it still waits and a
// report is due, with the members that have not been idle since it began;
// not at all if there are none (the waiter has yet to see it). A timer's
// goroutine runs it; under graceDomain.mu it only collects.
func (iso *Isolator) reportGraceStall(w *graceWaiter, c *stallClock) {
	g := &iso.grace
	g.mu.Lock()
	waited := time.Since(w.since)
	if !slices.Contains(g.waiters, w) || waited < c.due {
		g.mu.Unlock()
		return // over meanwhile, or a late timer
	}
	var blockers []sighting
	for _, p := range w.pend[w.at.Load():] {
		if word := p.slot.word.load(); !word.idleSince(p.count) {
			blockers = append(blockers, sighting{slot: p.slot, seen: word})
		}
	}
	if len(blockers) == 0 {
		g.mu.Unlock()
		return // every member has been idle: over, but for the waiter's wake-up
	}
	count := c.reported(iso.stallAfter(), waited, &iso.stalls.reported)
	g.mu.Unlock()
	iso.mu.Lock() // never under g.mu
	named := iso.namedLocked()
	isolated := iso.isolatedLocked()
	self := iso.joinedOnLocked(w.g, nil)
	iso.mu.Unlock()
	r := StallReport{
		Kind:      StallGracePeriod,
		Requester: party{pc: w.pc}.requester(),
		Waited:    waited,
		Count:     count,
		Blockers:  infos(blockers, isolated),
	}
	r.askedBy(infos(self, isolated))
	r.locate(infos(named, isolated), graceMethods, false)
	r.send(iso.OnStall)
}

// A party is who made a request, as collected under mu: its member's slot
// and state (nil for an outsider), where it called from, and whether it
// holds the isolation.
type party struct {
	slot     *slot
	seen     stateBits
	pc       uintptr
	isolated bool
}

// who collects who made req (under mu).
func (req *request) who() party {
	p := party{pc: req.pc}
	if mb := req.member; mb != nil {
		p.slot, p.seen = mb.slot, mb.word.load()
	}
	return p
}

// requester describes p.
func (p party) requester() Requester {
	var r Requester
	if p.slot != nil {
		mi := p.slot.info(p.seen)
		if p.isolated {
			mi.State = StateIsolated
		}
		r.Member = &mi
	}
	if p.pc != 0 {
		r.Caller, _ = runtime.CallersFrames([]uintptr{p.pc}).Next()
	}
	return r
}

// requesterOrNil describes p; nil if p is.
func (p *party) requesterOrNil() *Requester {
	if p == nil {
		return nil
	}
	r := p.requester()
	return &r
}
