package isolate

import "time"

// Barging: who takes the isolation that a release frees while plain requests
// wait. Granting it to the oldest one (a hand-off) costs a context switch
// per isolation when requests queue: the request's goroutine is parked, and
// the releaser, a member with more work, is held back at its next scope end
// by the grant and parks in turn, so that each isolation waits for a
// goroutine to be scheduled. sync.Mutex lets a goroutine that is running
// take the lock ahead of the waiters it woke (barging) and hands off only
// to a waiter that has waited long; the plain queue does the same:
//
//	active   the queued plain requests count in the gate: scope ends are
//	         held, schedule grants the head when members let it (P2)
//	dormant  a release woke the head to ask again instead of granting
//	         it; the queue counts nothing in the gate, so members run on,
//	         and a request made meanwhile is granted at once if every
//	         other member is in the mode it needs (Isolator.acquire's
//	         quiet case)
//
// A release makes an active plain queue dormant (goDormant) while no full
// request is queued and the head has been woken fewer than maxRetries times
// and has waited less than starveAfter; otherwise schedule grants the head
// as before (a hand-off). A release while the queue is dormant makes it
// active again once the head has waited starveAfter. The head asks again
// when it runs (askAgain): it makes the queue active and schedules, which
// grants it if it can. Any request that has to queue makes the queue
// active too (enqueue): a request that could not barge in waits in arrival
// order behind the others. Members held back by an isolation are set
// running at its release whether the queue goes dormant or not (P4): the
// head, asking again, waits for them, as it would have.
//
// Invariants (with P1-P8 in isolator.go):
//
//	B1. While dormant is set, the plain queue is not empty, the full queue
//	    is empty, the gate counts no plain request, the scan cursors are
//	    zero, and the plain head's retry is set and it was signalled: it
//	    will ask again, or it gave up (its withdrawal wakes the new head
//	    in its place, passRetry). retry is set only on a pending request,
//	    under mu before its signal, and cleared only by the request's own
//	    goroutine (askAgain, and enqueue for a flag left by an earlier
//	    wait), so a waiter woken with retry clear was granted, and the
//	    grant's signal orders the grant before its return; one woken with
//	    retry set asks again under mu, and finds its grant there if the
//	    queue was made active and granted it meanwhile (never reading
//	    the grant without mu: no signal orders it then).
//	B2. No request starves: a request is woken to ask again at most
//	    maxRetries times, and only while it has waited less than
//	    starveAfter; after that, releases grant in arrival order. A
//	    queue dormant since its head waited starveAfter is made active
//	    by one of the next checkEvery releases, whether or not the head
//	    got a processor meanwhile. Until then, any number of isolations
//	    may be granted ahead of it: the bound is time, as sync.Mutex's.
//
// Members see nothing new: to them a dormant queue is no request (P2 holds
// for the gate's requests, and a dormant request is granted only after it
// made the queue active again).

// maxRetries bounds how many times a release wakes one plain request to ask
// again rather than granting it (B2).
const maxRetries = 4

// starveAfter is how long a plain request may wait before releases hand the
// isolation to it (B2). sync.Mutex's starvation mode takes 1 ms; a request
// here is often an admin's, whose wait every member's next write may
// follow, and a hand-off per 100 µs costs a barging writer little (one
// context switch among hundreds of isolations). A variable only so that
// tests may change it: the clock of a loaded machine would otherwise decide
// their outcome.
var starveAfter = 100 * time.Microsecond

// goDormant runs at a release, under mu: it makes the plain queue dormant
// and wakes its head to ask again, unless the queue is empty or dormant
// already, a full request waits, or the head has had its share (B2).
//
// At a release while the queue is dormant (one that barged in), the head,
// woken but not yet run, may not get a processor for long: the releaser,
// which runs on, need not block. Once the head has waited starveAfter, the
// queue is made active, so that the next grant is the head's and members
// are held for it (B2). The clock is read at every barges-th such release
// only: a clock read costs about what a barging isolation saves.
func (iso *Isolator) goDormant() {
	h := iso.plainQ.head
	if h == nil || iso.fullQ.head != nil {
		return
	}
	if iso.dormant {
		if iso.barged++; iso.barged%checkEvery == 0 && h.waitedLong() {
			iso.activate()
		}
		return
	}
	if h.retries >= maxRetries || h.waitedLong() {
		return
	}
	iso.dormant = true
	iso.gate.plainN(-iso.plainQ.len())
	iso.unwatch(h) // P6: no scan serves a dormant head
	h.retries++
	h.retry.Store(true)
	h.signal()
}

// checkEvery is how many barging releases go by between two looks at the
// clock (see goDormant).
const checkEvery = 8

// waitedLong reports whether req, pending, has waited starveAfter.
func (req *request) waitedLong() bool {
	return !req.since.IsZero() && time.Since(req.since) >= starveAfter
}

// activate makes a dormant plain queue count in the gate again.
func (iso *Isolator) activate() {
	if iso.dormant {
		iso.dormant = false
		iso.gate.plainN(iso.plainQ.len())
		iso.rescan() // P2: members ran freely meanwhile
	}
}

// passRetry keeps B1 when the head of the dormant plain queue leaves it
// (withdrawn): the new head is woken to ask again in its place, as
// goDormant would wake it, or, if it has had its share (B2), the queue is
// made active, so that schedule hands off to it; if the queue is empty,
// nothing is dormant any more.
func (iso *Isolator) passRetry() {
	h := iso.plainQ.head
	switch {
	case h == nil:
		iso.dormant = false
	case h.retries >= maxRetries || h.waitedLong():
		iso.activate()
	default:
		h.retries++
		h.retry.Store(true)
		h.signal()
	}
}

// askAgain is the turn of a request woken by goDormant: it makes the queue
// active, if nobody did meanwhile, and schedules. It locks mu and reports
// whether req holds the grant; if not, mu stays locked and req is armed for
// its next wait.
func (iso *Isolator) askAgain(req *request) (granted bool) {
	iso.mu.Lock()
	req.retry.Store(false)
	if iso.owner != req {
		iso.activate()
		iso.schedule()
	}
	if iso.owner == req {
		iso.mu.Unlock()
		return true
	}
	req.arm()
	return false
}
