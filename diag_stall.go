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
// call sites; names, frames and strings are made after. Whom a report
// names, and how it finds them: diag_requester.go. A member dropped without
// Leave is named leaked once a garbage collection has found it (the library
// never forces one).

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
