package isolate

import (
	"runtime"
	"sync"
)

// Combined sections (flat combining: Hendler, Incze, Shavit and Tzafrir,
// SPAA 2010). Do queues a section; the caller that finds nobody combining
// becomes the combiner: it takes one ordinary isolation (Member.Isolate's or
// Isolator.Isolate's, unchanged) and runs the queued sections under it, in
// arrival order, batch after batch, then releases it. Every other caller
// waits parked (a member waits in a harmless scope, so that the combiner's
// isolation can be granted) until its section has run.
//
// The queue and the combiner's role (the table of active and queue) and
// the invariants C1 to C5 are in isolator.go's essay.
//
// A section that calls runtime.Goexit ends the goroutine that runs it: the
// combiner then puts the sections of its batch that did not run back at the
// head of the queue, hands over to the first, releases its isolation and
// signals the callers whose sections ran, in its deferred calls; the
// section's own caller calls runtime.Goexit when signaled.

// maxCombined bounds the sections of one isolation (C3): once it
// has run this many, its combiner takes no further batch and hands over, so
// an isolation runs fewer than maxCombined sections plus one batch (at most
// one section per caller). Enough that a crowd of writers shares few
// isolations, few enough that the members held back by the isolation, and
// the combiner's own caller, wait a bounded time.
const maxCombined = 64

// A combiner is an Isolator's queue of sections (Do).
type combiner struct {
	mu sync.Mutex
	// head and tail are the queued sections, in arrival order.
	head, tail *section
	// active is set while someone combines (the table in isolator.go).
	active bool
	// freeSections are outsiders' sections kept for reuse (at most maxFree).
	freeSections freeList[section]
}

// A section is one Do call's func and its outcome.
type section struct {
	waiter
	f    func()
	next *section
	// queued is set from the section's queuing to its caller's return.
	queued bool
	// combine tells the signaled caller to take over combining.
	combine bool
	// failed is set if f panicked (value is the panic value) or called
	// runtime.Goexit (value is nil).
	failed bool
	value  any
}

// Do runs f isolated, as inside m.Isolate(), possibly in one isolation
// together with the sections of other goroutines' concurrent Do calls (of
// this Isolator's members and outsiders alike): the first of them that
// finds nobody combining takes an isolation and runs every section queued,
// in arrival order, its own first; each caller returns once its own section
// has run and the isolation that ran it has ended. Many short writes then
// share one rendez-vous with the members instead of paying one each.
//
// f runs on an arbitrary goroutine, perhaps another caller's, while no
// other member runs. It must be short, and must not block, isolate, wait
// for a grace period, call Do, or use any Member, its caller's included
// (the goroutine it runs on is not the member's; a Do of its caller's
// member panics). If f panics, the panic is recovered where f ran, the
// other sections still run, the isolation is released, and Do panics in
// the caller's goroutine with the same value. If f calls runtime.Goexit
// (as testing's FailNow does), the caller's goroutine exits as if f had
// run there; but so does the goroutine that ran f, if it was another
// caller's, without its own Do returning: a section must not call it.
//
// While it waits, the member counts as harmless, or as idle if it called
// Do from an idle scope, as in Isolate; its section may run meanwhile.
// Inside the member's own isolated section, Do just calls f. Do may be
// called inside a harmless or idle scope. A nil f panics.
//
// In the terminology of the Go memory model: a call of Do is synchronized
// before its f starts, and f's end (its return or its panic) is
// synchronized before the call returns. Sections run one at a time, in
// the order of their Do calls (the order in which they are queued), each
// one's end synchronized before the next one's start. The isolation that
// runs a batch counts as one isolation in the package's memory model, its
// sections inside it: what members did before the harmless or idle states
// that let it begin is synchronized before the sections, and their ends
// before those members run again. A section that panics establishes the
// same edges as one that returns; a Do that panics on misuse (a nil f, a
// Do of the member whose section is running) establishes none.
func (m Member) Do(f func()) {
	mb := m.live()
	if f == nil {
		panic("isolate: Do with a nil func")
	}
	if mb.own > 0 {
		f()
		return
	}
	sec := mb.do
	if sec == nil {
		sec = new(section)
		mb.do = sec
	} else if sec.queued {
		panic("isolate: Do inside a section of the same member (a section must not use a Member)")
	}
	c := &mb.iso.comb
	c.mu.Lock()
	combine := c.enqueue(sec, f)
	c.mu.Unlock()
	if combine {
		m.combine(sec)
	} else {
		// Waiting counts as harmless (or idle, inside an idle scope),
		// as in Isolate: the combiner needs us out of its way.
		sc := m.Harmless()
		sec.wait(false, nil)
		if sec.combine {
			m.combine(sec)
		}
		sc.End()
	}
	sec.finish()
}

// Do is [Member.Do] for a goroutine that is not a member: it runs f isolated,
// as inside iso.Isolate(), possibly combined with other concurrent Do calls
// in one isolation. What f must not do, what a panic or runtime.Goexit in
// f does, and the memory model are as for [Member.Do]. Called from a
// running member of this Isolator it may wait for that member itself (as
// Isolate would), for ever: a member calls [Member.Do].
func (iso *Isolator) Do(f func()) {
	if f == nil {
		panic("isolate: Do with a nil func")
	}
	c := &iso.comb
	c.mu.Lock()
	sec := c.freeSections.take()
	combine := c.enqueue(sec, f)
	c.mu.Unlock()
	if combine {
		iso.combine(sec)
	} else {
		sec.wait(false, nil)
		if sec.combine {
			iso.combine(sec)
		}
	}
	failed, value := sec.failed, sec.value
	sec.failed, sec.value = false, nil
	c.mu.Lock()
	sec.queued = false
	c.freeSections.keep(sec)
	c.mu.Unlock()
	raise(failed, value)
}

// enqueue queues sec to run f, and reports whether the caller combines: if
// nobody does, the caller becomes the combiner. mu is held.
func (c *combiner) enqueue(sec *section, f func()) (combine bool) {
	sec.f, sec.queued, sec.combine = f, true, false
	sec.arm()
	if c.tail == nil {
		c.head = sec
	} else {
		c.tail.next = sec
	}
	c.tail = sec
	combine = !c.active
	c.active = true
	return combine
}

// combine runs the queue under one isolation of the member, whose section
// own is at the queue's head (C2).
func (m Member) combine(own *section) {
	mb := m.mb
	// As Member.isolate does: the member waits harmless, or idle inside an
	// idle scope.
	mb.iso.acquire(mb.lockRequest(false), abort{}, false)
	mb.own, mb.ownFull = mb.depth+1, false
	tag := m.openIsolate(true)
	b := batch{own: own}
	defer func() {
		// Also on runtime.Goexit in a section (see above).
		b.abandon(&mb.iso.comb)
		m.release(tag)
		b.wake()
	}()
	mb.iso.comb.run(&b)
}

// combine runs the queue under one isolation of an outsider, whose section
// own is at the queue's head (C2).
func (iso *Isolator) combine(own *section) {
	iso.mu.Lock()
	req := iso.freeRequests.take()
	req.full = false
	iso.acquire(req, abort{}, false)
	grant := req.grants
	b := batch{own: own}
	defer func() {
		// Also on runtime.Goexit in a section (see above).
		b.abandon(&iso.comb)
		iso.releaseOutsider(req, grant)
		b.wake()
	}()
	iso.comb.run(&b)
}

// A batch is what one combiner has run under its isolation.
type batch struct {
	own *section
	// ran counts the sections run; done are those of other callers,
	// to be signaled, in the order they ran (doneTail the last).
	ran            int
	done, doneTail *section
	// cur is the section running, rest the sections of the current
	// batch after it, up to restTail: all nil between batches.
	cur, rest, restTail *section
	// next is the caller that takes over combining, if any.
	next *section
}

// run runs the queued sections, batch after batch, until the queue is
// empty or maxCombined sections have run; the caller holds an isolation.
func (c *combiner) run(b *batch) {
	for {
		c.mu.Lock()
		first := c.head
		if first == nil || b.ran >= maxCombined {
			if first == nil {
				c.active = false
			} else {
				first.combine = true // it stays queued, at the head
				b.next = first
			}
			c.mu.Unlock()
			return
		}
		b.restTail = c.tail
		c.head, c.tail = nil, nil
		c.mu.Unlock()
		for sec := first; sec != nil; {
			b.cur, b.rest = sec, sec.next
			sec.next = nil
			sec.run()
			b.ran++
			b.finished(sec)
			sec = b.rest
		}
		b.cur, b.rest, b.restTail = nil, nil, nil
	}
}

// finished records that sec ran.
func (b *batch) finished(sec *section) {
	if sec == b.own {
		return
	}
	if b.doneTail == nil {
		b.done = sec
	} else {
		b.doneTail.next = sec
	}
	b.doneTail = sec
}

// abandon is called as the combiner ends; if a section called
// runtime.Goexit, it records that section as run and puts the rest of its
// batch back at the head of the queue, for the first of them to combine.
func (b *batch) abandon(c *combiner) {
	if b.cur == nil {
		return
	}
	// The combiner's goroutine exits: its own section ran first, and its
	// Do will not return; a member's section is free for its next use.
	b.own.queued = false
	b.finished(b.cur)
	b.cur = nil
	if b.rest == nil {
		c.mu.Lock()
		if c.head == nil && b.next == nil {
			c.active = false
		} else if b.next == nil {
			c.head.combine = true
			b.next = c.head
		}
		c.mu.Unlock()
		return
	}
	c.mu.Lock()
	b.restTail.next = c.head
	if c.tail == nil {
		c.tail = b.restTail
	}
	c.head = b.rest
	b.rest.combine = true
	b.next = b.rest
	c.mu.Unlock()
	b.rest, b.restTail = nil, nil
}

// wake signals the callers whose sections ran, then the one that takes over
// combining (C4). A caller may reuse its section once signaled.
func (b *batch) wake() {
	for sec := b.done; sec != nil; {
		next := sec.next
		sec.next = nil
		sec.signal()
		sec = next
	}
	if b.next != nil {
		b.next.signal()
	}
}

// run calls the section's func and records how it ended.
func (sec *section) run() {
	normal := false
	defer func() {
		if !normal {
			// nil on runtime.Goexit, which goes on after this.
			sec.failed, sec.value = true, recover()
		}
	}()
	f := sec.f
	sec.f = nil
	f()
	normal = true
}

// finish ends a member's Do on its own section: it raises the section's
// panic or Goexit in the caller's goroutine.
func (sec *section) finish() {
	failed, value := sec.failed, sec.value
	sec.failed, sec.value, sec.queued = false, nil, false
	raise(failed, value)
}

// raise repeats in the caller's goroutine how its section ended, if it
// failed: a panic with the same value, or runtime.Goexit.
func raise(failed bool, value any) {
	if !failed {
		return
	}
	if value == nil {
		runtime.Goexit()
	}
	panic(value)
}
