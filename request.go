package isolate

import (
	"context"
	"runtime/trace"
	"sync/atomic"
	"time"
)

// The life of a request: a goroutine's wish to isolate itself, from its
// call to its release. Isolate's walk (isolate.go makes the request, a
// member's or an outsider's, and locks Isolator.mu):
//
//	acquire      quiet (a dormant plain queue counts as quiet: barging,
//	             B1)? grantAtOnce: publish the grant, scan, done (P3)
//	             try? give up; a member publishes harmless or idle
//	awaitGrant   enqueue (a dormant queue made active, gate.request, P1),
//	             schedule (schedule.go), and unless granted: arm the stall
//	             report, wait (spin only if next in line), or withdraw
//	             when the context ends; woken to ask again: askAgain
//	grant        schedule finds every other member in the mode the
//	             request needs (P2): unqueue, gate.grant, signal
//	release      the release func or Scope.End (isolate.go) ->
//	             releaseLocked: clear the grant, make the plain queue
//	             dormant or not (B2), admit the held members (P4),
//	             schedule the next
//	withdraw     a request whose context ended: unqueue, gate.withdraw,
//	             the member back in its mode, or held (P4)

// A request is one goroutine's wish to isolate itself.
type request struct {
	waiter
	member *member // nil for an outsider
	full   bool
	// prev is the member's mode from before it asked, restored when the
	// request is granted or withdrawn (members only).
	prev mode
	// before and after link the request into its queue while it is
	// pending.
	before, after *request
	// since is when the request started to wait; zero if it did not.
	// waitCounted is set when its grant counted a wait: waited long,
	// maxBefore the longest wait counted before it, kept so that a grant
	// rolled back is taken back from the statistics (uncountGrant).
	since       time.Time
	waitCounted bool
	waited      time.Duration
	maxBefore   time.Duration
	// site is where the requester called and g its goroutine (arch.G),
	// recorded when it has to wait; zero otherwise.
	site waitSite
	g    uintptr
	// stall is when the wait's next report is due (stallReports.waits
	// reports it).
	stall stallCount
	// task spans the isolated section while runtime/trace is on.
	task *trace.Task
	// ticket is the request's place in arrival order, across both queues.
	ticket uint64
	// grants counts the grants of this request object: an outsider's
	// release func is bound to the grant whose number it carries.
	grants uint64
	// asking is set while the requester itself runs the first schedule,
	// under mu: a grant then is seen at once, without a signal.
	asking bool
	// retry is set, under mu, when the request, head of a dormant plain
	// queue, is woken to ask again rather than granted, and cleared by
	// its own goroutine when it asks again or queues (barge.go, B1);
	// retries counts those wake-ups since it was queued.
	retry   atomic.Bool
	retries uint8
}

// memberSlot returns the slot of req's member; nil for an outsider's request.
func (req *request) memberSlot() *slot {
	if req.member == nil {
		return nil
	}
	return req.member.slot
}

// A requestQueue is a FIFO of pending requests, linked through them so that
// queuing never allocates.
type requestQueue struct {
	head, tail *request
}

func (q *requestQueue) push(r *request) {
	r.before, r.after = q.tail, nil
	if q.tail == nil {
		q.head = r
	} else {
		q.tail.after = r
	}
	q.tail = r
}

func (q *requestQueue) len() int {
	n := 0
	for r := q.head; r != nil; r = r.after {
		n++
	}
	return n
}

func (q *requestQueue) remove(r *request) {
	if r.before == nil {
		q.head = r.after
	} else {
		r.before.after = r.after
	}
	if r.after == nil {
		q.tail = r.before
	} else {
		r.after.before = r.before
	}
	r.before, r.after = nil, nil
}

// lockRequest readies the member's request for an isolation (full or
// plain), after reserving room for its isolate scope so that the grant
// finds room, and returns it with mu locked, for Isolator.acquire.
func (mb *member) lockRequest(full bool) *request {
	mb.reserve()
	if mb.req == nil {
		mb.req = &request{member: mb}
	}
	req := mb.req
	mb.iso.mu.Lock()
	req.full, req.prev = full, mb.mode
	return req
}

// acquire grants req, which the caller made under mu, at once if no
// isolation is in progress or requested and every other member is in the
// mode it needs; failing that, it returns errWouldWait if try is set, and
// otherwise queues req and waits for its grant. mu is unlocked on return.
func (iso *Isolator) acquire(req *request, a abort, try bool) error {
	if iso.quietLocked() && iso.grantAtOnce(req) {
		iso.mu.Unlock()
		return nil
	}
	if try {
		iso.mu.Unlock()
		return errWouldWait
	}
	if mb := req.member; mb != nil {
		// Waiting counts as harmless, or idle for a full request (as
		// in HAProxy): the member touches nothing while it waits. A
		// watched flag this clears needs no kick: awaitGrant
		// schedules.
		waitIn := modeHarmless
		if req.full || req.prev == modeIdle {
			waitIn = modeIdle
		}
		mb.publish(waitIn)
	}
	return iso.awaitGrant(req, a)
}

// quietLocked reports whether no isolation is in progress or requested,
// but for the plain requests of a dormant queue, which a request made now
// may barge past (B1).
func (iso *Isolator) quietLocked() bool {
	return iso.owner == nil && (iso.plainQ.head == nil || iso.dormant) && iso.fullQ.head == nil
}

// grantAtOnce grants req, made under mu while no isolation is in progress or
// requested, if every other member is in the mode it needs, and reports
// whether it did. It publishes the grant itself in the gate before it
// scans, rather than a pending request first: to a member the two mean the
// same (both keep every scope end and Join from running on, see
// gateBits.holdsBack), so the Dekker pair of P1 is the same, and an uncontended isolation
// saves a gate write and the queues. If the scan finds a blocker, the gate
// goes back to what it was and the cursors to the first slot (members may
// move once mu is unlocked); nothing was watched, nobody held.
func (iso *Isolator) grantAtOnce(req *request) bool {
	need := modeHarmless
	if req.full {
		need = modeIdle
	}
	iso.gate.grantAtOnce()
	cursor := 0 // not the queues' cursors: this scan serves no queue
	if w := iso.scan(&cursor, req, need); w.slot != nil {
		iso.gate.ungrant()
		iso.rescan()
		return false
	}
	iso.owner = req
	if mb := req.member; mb != nil && sectionMode(req.prev) != req.prev {
		mb.word.set(sectionMode(req.prev)) // its word still says prev
	}
	iso.granted(req)
	return true
}

// awaitGrant queues req and waits until it is granted; mu is held on entry
// and unlocked on return. If a ends first, the request is withdrawn and an
// error returned.
func (iso *Isolator) awaitGrant(req *request, a abort) error {
	iso.enqueue(req)
	req.asking = true // a grant now needs no wake-up: we are not waiting
	iso.schedule()
	req.asking = false
	if iso.owner == req {
		iso.mu.Unlock()
		return nil
	}
	req.arm()
	now := time.Now() // req.since is read under mu only: a grant clears it
	req.since = now
	iso.watchStall(req, now)
	// Only the request next in line may spin: what it waits for (the
	// isolated section, or the members that block it) runs, and the wait
	// may be short. Every request behind it parks at once, and stays
	// parked until its grant: a waiter that spins behind others only
	// takes a processor from the goroutines it waits for.
	next := iso.nextInLine(req)
	iso.mu.Unlock()
	if trace.IsEnabled() {
		defer trace.StartRegion(context.Background(), "isolate: wait for isolation").End()
	}
	for req.waitSince(next, a.done(), now) {
		if !req.retry.Load() {
			return nil // granted: see B1 on who sets and clears retry
		}
		if a.ended() {
			break // give up rather than ask again
		}
		if iso.askAgain(req) {
			return nil
		}
		next, now = iso.nextInLine(req), time.Time{}
		iso.mu.Unlock()
	}
	iso.mu.Lock()
	iso.counts.abandoned++
	req.since = time.Time{}
	held := false
	if iso.owner == req {
		// Granted as a ended: roll the grant back, as
		// x/sync/semaphore does, so that the caller sees one outcome,
		// and the statistics too.
		iso.counts.uncountGrant(req)
		iso.releaseLocked(req)
	} else {
		held = iso.withdrawLocked(req)
	}
	iso.mu.Unlock()
	if held {
		req.member.slot.wait(false, nil) // withdrawn while someone else is isolated
	}
	return a.err()
}

// nextInLine reports whether req, pending, is the request that the next
// grant goes to unless members block it: the older of the two queue heads.
// (A full head that members keep from being eligible may be passed by a
// younger plain one; its wait is then long, and parking is right for it.)
func (iso *Isolator) nextInLine(req *request) bool {
	other := iso.plainQ.head
	if !req.full {
		other = iso.fullQ.head
	}
	return iso.queueOf(req).head == req && (other == nil || req.ticket < other.ticket)
}

// enqueue makes req pending and publishes it in the gate (P1: before any
// scan that may grant it).
func (iso *Isolator) enqueue(req *request) {
	iso.tickets++
	req.ticket = iso.tickets
	req.site.n, req.g = 0, 0 // known once it has to wait
	req.retry.Store(false)   // one left by an earlier wait (B1)
	req.retries = 0
	iso.activate() // B1: a dormant queue has no full request behind it
	iso.queueOf(req).push(req)
	iso.gate.request(req.full)
}

func (iso *Isolator) queueOf(req *request) *requestQueue {
	if req.full {
		return &iso.fullQ
	}
	return &iso.plainQ
}

// unqueue takes req out of its queue and its watches; the caller fixes the
// gate. The last request taken out ends the episode of waits that stall
// reports watch.
func (iso *Isolator) unqueue(req *request) {
	wasHead := iso.plainQ.head == req
	iso.queueOf(req).remove(req)
	if iso.dormant && wasHead {
		iso.passRetry()
	}
	iso.unwatch(req)
	iso.rescan()
	if iso.plainQ.head == nil && iso.fullQ.head == nil {
		iso.stalls.waits.endEpisode()
	}
}

// rescan makes the next scans start from the first slot (P2).
func (iso *Isolator) rescan() {
	iso.plainCursor, iso.fullCursor = 0, 0
}

// grant makes req the owner and wakes its goroutine, reporting whether it
// was parked. A member's mode goes back to what it was before it asked:
// nobody scans while the grant is held, and the release leaves the member
// in that mode (P3). A member
// that asked from an idle scope runs its section, though, and may take
// references there: its word says running until the release makes it idle
// again, so that a grace period waits for it.
func (iso *Isolator) grant(req *request) (woke bool) {
	iso.unqueue(req)
	iso.owner = req
	iso.gate.grant(req.full)
	if mb := req.member; mb != nil {
		mb.word.set(sectionMode(req.prev))
	}
	iso.granted(req)
	return !req.asking && req.signal()
}

// sectionMode is what the word of a member that asked in mode prev says
// while it holds its grant: prev, but running for idle (see grant).
func sectionMode(prev mode) mode {
	if prev == modeIdle {
		return modeRunning
	}
	return prev
}

// granted does the bookkeeping of req's grant.
func (iso *Isolator) granted(req *request) {
	req.grants++
	iso.counts.countGrant(req)
	if trace.IsEnabled() {
		_, req.task = trace.NewTask(context.Background(), "isolate: isolated section")
	}
}

// releaseOutsider ends the outsider's isolation that req holds, if it is the
// grant numbered grant: a release func works once.
func (iso *Isolator) releaseOutsider(req *request, grant uint64) {
	iso.mu.Lock()
	if iso.owner != req || req.grants != grant {
		iso.mu.Unlock()
		panic("isolate: release of an isolation that is not held (released twice?)")
	}
	iso.releaseLocked(req)
	iso.freeRequests.keep(req)
	iso.mu.Unlock()
}

// releaseMember ends the isolation that the member's request req holds.
func (iso *Isolator) releaseMember(req *request) {
	iso.mu.Lock()
	if iso.owner != req {
		iso.mu.Unlock()
		panic("isolate: internal error: member released an isolation it does not hold")
	}
	iso.releaseLocked(req)
	iso.mu.Unlock()
}

// releaseLocked ends the isolation that req holds: the members it held back
// run first (P4), then schedule looks for the next grant. A member
// that isolated from an idle scope is idle again (see grant): it is its own
// goroutine that releases, or rolls back, its grant.
func (iso *Isolator) releaseLocked(req *request) {
	if mb := req.member; mb != nil && req.prev == modeIdle {
		mb.publish(modeIdle)
	}
	if req.task != nil {
		req.task.End()
		req.task = nil
	}
	iso.owner = nil
	fullPending := iso.gate.release()
	iso.goDormant()
	if len(iso.held) > 0 {
		iso.admitHeld(func(from mode) bool {
			return from == modeHarmless || req.full || !fullPending
		})
	}
	iso.schedule()
}

// withdrawLocked takes back the pending request req. A member's mode goes
// back to what it was before it asked, except that a member that was running
// is held while someone else's isolation is in progress: withdrawLocked then
// reports true and the member must wait on its slot.
//
// Such a member stays in the mode it waited in, idle for a full request (it
// holds no references: neither the full isolation in progress nor a grace
// period may wait for it), and is admitted by the rule of a member ending a
// harmless scope, at the end of the isolation: it does not wait for other
// pending requests.
func (iso *Isolator) withdrawLocked(req *request) (held bool) {
	if req.full || !iso.dormant {
		iso.gate.withdraw(req.full)
	}
	iso.unqueue(req)
	if mb := req.member; mb != nil {
		if req.prev == modeRunning && iso.owner != nil {
			iso.hold(mb.slot, modeHarmless, false)
			held = true
		} else {
			mb.word.set(req.prev)
		}
	}
	iso.schedule()
	return held
}
