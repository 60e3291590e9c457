package isolate

import (
	"slices"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate/arch"
)

// Stall reports. A wait that lasts longer than StallAfter is reported by a
// timer's goroutine, and reported again while it lasts, at intervals that
// double up to maxStallGap: the waiting goroutine does nothing but wait, so
// that a report never delays the grant it reports on, and the end of what
// waits stops its timer (of an episode, the end of its last wait). What
// waits:
//
//	isolation requests      one timer per episode of waits
//	                        (stallReports.waits), armed by the first
//	                        request that waits, stopped when the last one
//	                        is granted or withdrawn; reports each request
//	                        that waits long, with who blocks it
//	                        (request.stall: when its next report is due)
//	a grace period          its own timer, armed on its wait path;
//	                        reports the members never idle since
//	held members and Joins  one timer per hold episode (stallReports.held),
//	                        armed by the first hold, stopped when the
//	                        last held member is admitted; reports the
//	                        isolation that holds them and who waits
//
// A grace period gets a timer of its own, stopped by the waiter or re-armed
// only by its own func: a timer made in a testing/synctest bubble must not
// be touched from outside it. An episode's timer (of requests, or of held
// members) is stopped when the episode ends, under mu, by whoever ends it;
// one made in a bubble is then dropped (the next episode makes its own, in
// whatever bubble it runs), one made outside any bubble is kept and
// re-armed by the next episode that starts outside one, so that a wait
// costs no timer of its own. A report func checks, under the lock, that
// its wait goes on and that a report is due: a timer that fires late, for
// an earlier wait, does nothing.
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

// A stallCount is the schedule of one wait's reports: the total wait at
// which the next report is due, and the reports made of it so far.
type stallCount struct {
	due   time.Duration
	count int
}

// reported counts a report made when the wait had lasted waited, and returns
// the report's number; the next one is due at doubled intervals. The first
// report of a wait counts a stall in stalls.
func (s *stallCount) reported(after, waited time.Duration, stalls *atomic.Uint64) int {
	s.count++
	if s.count == 1 {
		stalls.Add(1)
	}
	s.due = nextDue(after, waited)
	return s.count
}

// A stallClock schedules the reports of one wait (a grace period's), or of
// the waits of one episode (of requests, or of held members), under the
// lock that its report func takes. A grace period's timer is touched only
// by its waiting goroutine (Stop) and by its own func (Reset); an episode's
// only under mu, by the goroutines whose waits start and end the episode
// and by its own func. A timer made in a testing/synctest bubble must not
// be touched from outside it, and an Isolator may outlive a bubble (see
// startEpisode and endEpisode).
type stallClock struct {
	timer *time.Timer
	// gen numbers the timers: the report func of an earlier timer, running
	// late, does nothing.
	gen uint64
	// The schedule of the wait's reports (an episode's waits keep their
	// own; held members use this one, see reportHeld).
	stallCount
	// fireAt is when the timer should fire.
	fireAt time.Time
	// armed is set from the start of an episode to its end, or until its
	// report func finds nothing to wait for (episode clocks only); fake if
	// timer was made in a synctest bubble.
	armed, fake bool
}

// next numbers a new timer of c, for its report func to check with current.
func (c *stallClock) next() uint64 {
	c.gen++
	return c.gen
}

// start arms a new timer of c, which next numbered, to call report after
// StallAfter (after), and returns it.
func (c *stallClock) start(after time.Duration, report func()) *time.Timer {
	now := time.Now()
	c.due, c.count, c.fireAt = after, 0, now.Add(after)
	c.armed, c.fake = true, inBubble(now)
	c.timer = time.AfterFunc(after, report)
	return c.timer
}

// current reports whether gen is the number of c's timer.
func (c *stallClock) current(gen uint64) bool {
	return c.gen == gen
}

// rearm makes c's timer fire again in d; its report func calls it.
func (c *stallClock) rearm(d time.Duration) {
	c.fireAt = time.Now().Add(d)
	c.timer.Reset(d)
}

// reported counts a report made when the wait had lasted waited, arms the
// next one, and returns the report's number.
func (c *stallClock) reported(after, waited time.Duration, stalls *atomic.Uint64) int {
	n := c.stallCount.reported(after, waited, stalls)
	c.rearm(c.due - waited)
	return n
}

// longestArm is the longest that a report func, or the start of a wait,
// arms a timer for: the longest interval between two reports.
func longestArm(after time.Duration) time.Duration {
	return max(maxStallGap, after)
}

// startEpisode makes sure, for a wait that begins at now, that c's timer
// is armed, to fire within the given time from now, and reports false if c
// needs a new timer, which the caller then makes with start (its report
// func checks the gen that next returns). A timer kept from an earlier
// episode outside any bubble is re-armed, for StallAfter (after). A timer
// made in a bubble is re-armed only by its own func: one that would fire
// too late is replaced (it fires, and does nothing). So is a timer on the
// other side of a bubble's boundary from the caller: the runtime forbids
// touching a bubble's timer from outside it, and inside one Reset would
// read the bubble's clock for a timer of the real one. So is an armed timer
// that should have fired long ago, or would fire later than it could have
// been armed for: it was made in a bubble that has ended (one whose clock
// began anew), and never fires.
func (c *stallClock) startEpisode(now time.Time, after, within time.Duration) bool {
	fake := inBubble(now)
	switch {
	case c.timer == nil || c.fake != fake:
		return false
	case c.armed && (now.Sub(c.fireAt) > after || c.fireAt.Sub(now) > longestArm(after)):
		return false
	case c.armed && !c.fireAt.After(now.Add(within)):
		return true // fires in time
	case fake:
		return false
	}
	c.armed, c.fireAt = true, now.Add(after)
	c.timer.Reset(after)
	return true
}

// endEpisode stops c's timer, under the lock that its report func takes,
// at the end of its episode, so that no timer outlives its work. A timer
// made outside any bubble is kept for the next episode; one made in a
// bubble is stopped only from inside one (the runtime forbids the rest:
// the Isolator crossed the bubble's boundary, and the timer is left to
// fire and do nothing), and dropped.
func (c *stallClock) endEpisode() {
	if !c.armed {
		return
	}
	c.armed = false
	if !c.fake {
		c.timer.Stop()
		return
	}
	if inBubble(time.Now()) {
		c.timer.Stop()
	}
	c.timer = nil
	c.next()
}

// stallReports is what an Isolator keeps of its stall reports (under mu,
// but the counter).
type stallReports struct {
	// reported counts the waits reported.
	reported atomic.Uint64
	// waits schedules the reports of waiting isolation requests: one
	// episode from the first request that waits to the grant or
	// withdrawal of the last one (unqueue), its timer re-armed for the
	// first report due (reportStalls).
	waits stallClock
	// held schedules the reports of held members: one episode from the
	// first member held to the admission of the last (heldOver), or until
	// its func finds none held. Its count is for the grant heldBy, number
	// heldGrant.
	held      stallClock
	heldBy    *request
	heldGrant uint64
}

// watchStall arranges, under mu, for req, about to wait since now, to be
// reported if it waits StallAfter (and again if it goes on): it arms the
// episode's timer if it is not armed to fire by then. It records where the
// requester called from (req.site: a few return addresses, resolved only
// if a report is made). Nothing is done when stall reports are off.
func (iso *Isolator) watchStall(req *request, now time.Time) {
	after := iso.stallAfter()
	if after < 0 {
		return
	}
	req.site.record()
	req.g = arch.G()
	req.stall = stallCount{due: after}
	if c := &iso.stalls.waits; !c.startEpisode(now, after, after) {
		gen := c.next()
		c.start(after, func() { iso.reportStalls(gen) })
	}
}

// reportStalls reports every waiting request whose report is due, and arms
// the episode's timer for the next report due; it ends the episode if
// nothing waits. It runs on the timer's goroutine, which may also run
// late, for an earlier timer or episode: the checks sort that out.
func (iso *Isolator) reportStalls(gen uint64) {
	iso.mu.Lock()
	c := &iso.stalls.waits
	after := iso.stallAfter()
	if !c.current(gen) || !c.armed {
		iso.mu.Unlock()
		return
	}
	now := time.Now()
	var sends []func()
	var next time.Duration // until the next report due; 0: nothing waits
	for _, q := range []*requestQueue{&iso.plainQ, &iso.fullQ} {
		for req := q.head; req != nil; req = req.after {
			if req.since.IsZero() || after < 0 {
				continue
			}
			waited := now.Sub(req.since)
			if waited >= req.stall.due {
				if send := iso.reportStall(req, after, waited); send != nil {
					sends = append(sends, send)
				}
			}
			if left := req.stall.due - waited; next == 0 || left < next {
				next = left
			}
		}
	}
	if next > 0 {
		c.rearm(next)
	} else {
		c.endEpisode() // nothing waits: the next wait arms it again
	}
	iso.mu.Unlock()
	// Each report on a goroutine of its own, as OnStall is promised (it
	// may block): the first on the timer's.
	for i := len(sends) - 1; i >= 0; i-- {
		if i == 0 {
			sends[i]()
		} else {
			go sends[i]()
		}
	}
}

// reportStall collects, under mu, the report of req, whose report is due
// (it has waited waited), and returns the func that makes and sends it once
// mu is unlocked; nil if no report is made. Its next report is due at
// doubled intervals, whether a report is made or not.
func (iso *Isolator) reportStall(req *request, after, waited time.Duration) (send func()) {
	blockers := iso.blockersLocked()
	holder := iso.holderLocked()
	if len(blockers) == 0 && holder == nil {
		// Nobody blocks and no isolation holds: the last blocker's kick is
		// in flight, and the wait is over but for the grant. No report,
		// but the next look is due as if one were made.
		req.stall.due = nextDue(after, waited)
		return nil
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
	return func() {
		r := StallReport{Kind: kind, Requester: requester.requester(), Waited: waited, Count: count, Blockers: infos(blockers, isolated)}
		r.Holder = holder.requesterOrNil()
		r.askedBy(infos(self, isolated))
		r.locate(infos(named, isolated), methods, false)
		r.send(onStall)
	}
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
