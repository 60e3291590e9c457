package isolate

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/cpu"
)

// The protocol: the words, who writes them, and the invariants that the rest
// of the package cites by name (P1 in request.go, T1 in slots.go, ...).
// word.go holds the words' bits and their operations.
//
// Every member owns a slot whose state word sits alone on a cache line. Its
// member writes it (entering and ending scopes, Join, Leave); under mu the
// Isolator writes it for a member that waits (held, or in its isolation
// request: the grant, the withdrawal and the admission); a scan sets and
// clears the watched flag, and a grace period the awaited one, by
// CompareAndSwap:
//
//	mode      meaning                                  an isolation may run?
//	running   may touch shared state                   no
//	harmless  not touching shared state right now      plain: yes, full: no
//	idle      harmless and holds no shared references  yes
//	+watched  an isolator waits for this word to change (flag on any mode)
//	+awaited  a grace period waits for the member's next idle entry
//	count     the member's idle entries so far (28 bits, wrapping)
//
// The count is what lets a grace period (grace.go) see an idle state too
// brief to be observed: a member that was not idle when the grace period
// began has been idle since if its count has changed or it is idle now.
//
// The Isolator publishes one read-mostly word, the gate, that every member
// loads after leaving a harmless or idle scope:
//
//	gate bits   meaning                       who must not run on past it
//	granted     an isolation is in progress   everyone but the owner
//	plain count plain requests are pending    members ending harmless or idle
//	full count  full requests are pending     members ending idle, Join
//	yield       a grace period waits long     (members ending idle yield)
//
// The yield bit holds nobody back: it sends members ending an idle scope
// (and Join) to the slow path, which finds nothing else set and yields the
// processor before the member runs on, once per park of a grace period
// (see admitOrHold in schedule.go). A Synchronize sets it while it is
// parked (graceDomain.yielders): the members it waits for may be runnable
// but not running, behind members that never block (their next job is
// queued), and a grace period holds nobody back, so those members would
// otherwise run on until preempted.
//
// The fast paths never take mu:
//
//	Harmless:   word.swap(harmless)                        (wake if watched)
//	end:        word.swap(running); gate.load()            (slow path if held)
//	Poll:       gate.load()
//
// Isolation requests queue under mu in arrival order (one FIFO for plain
// requests, one for full), each with a ticket (request.go follows one
// request through its life). schedule (schedule.go), which runs under mu
// whenever something may have changed, grants the head of the full queue
// when every other member is idle and no older plain request waits,
// otherwise the head of the plain queue when every other member is
// harmless; failing both it sets the watched flag on the first member that
// blocks each head and returns. That member's next swap sees the flag and
// runs schedule again (the kick: Isolator.reschedule). Nobody else is
// woken: idle members are never touched. A release may instead make the
// plain queue dormant and wake its head to ask again, letting a running
// requester barge in meanwhile (barge.go, B1, B2).
//
// An uncontended request (nothing in progress or pending) skips the queues:
// the requester publishes the granted bit itself and scans; if no member
// blocks it, it owns the grant with one gate write; otherwise it clears the
// bit, resets the cursors and queues as above (TryIsolate gives up instead).
// To a member a grant and a pending request look the same (both keep every
// scope end and Join from running on), so P1 holds as for a queued request,
// and since mu stays held, nobody is held or watched meanwhile.
//
// Members live in a table of slots (slots.go), in groups of 64 with one
// occupancy mask each; groups that a burst of members emptied are retired.
// Grace periods (grace.go) wait on the same state words:
//
//	snapshot  one scan, without locks, records each member that is not
//	          idle with its idle count (P7); none: the grace period is over.
//	wait      for each recorded member in turn: it is done if its word
//	          reads idle or its count has moved on; otherwise the waiter
//	          sets its awaited flag by CompareAndSwap against the word
//	          it read, and parks.
//	kick      the member's next move into idle sees the flag (P8) and
//	          wakes every waiting grace period, which look again.
//
// Combined sections (combine.go, Do) queue under combiner.mu, never held
// with mu, never held while a section runs; a combiner runs them under one
// ordinary isolation:
//
//	active  queue      meaning
//	false   empty      nobody combines: the next Do combines
//	true    any        a combiner holds or awaits the isolation, or one
//	                   was told to take over (a handoff, C3)
//
// Invariants of the isolation protocol:
//
//	P1. Dekker: a member's swap to running precedes its gate load, and a
//	    request's gate write precedes every scan that may grant it; all
//	    are sequentially consistent read-modify-writes or loads, so either
//	    the scan sees the member running or the member sees the request
//	    and takes the slow path. A member that swaps to running under mu
//	    (admitOrHold, after going back, once the gate lets it go) needs no
//	    such order: requests publish themselves and scan under mu too.
//	P2. While a request of kind K is pending, no member leaves the mode
//	    that K needs (harmless for plain, idle for full) without taking mu:
//	    the gate sends it to the slow path. Its word says running only
//	    from its swap until it goes back to that mode with its own swap,
//	    before it takes mu (admitOrHold); it runs again only by a write
//	    under mu: its admission, or its own swap once the gate says that
//	    no such request is pending. Hence a slot scanned as harmless
//	    (idle) stays so, but for that excursion, in which the member runs
//	    no code of its own (a scan that sees it running watches it, and
//	    the swap back kicks, P5), until something under mu changes it, and
//	    such changes (admissions, withdrawals, grants) reset the scan
//	    cursors. The plain requests of a dormant queue (B1) are not in
//	    the gate, and members leave harmless while they wait: nothing
//	    scans for them then, and making the queue active again resets
//	    the cursors, so no scan relies on a slot it passed before.
//	P3. The grant has an owner (owner != nil) that only its release clears;
//	    nested harmless scopes of the owner never let a second request in.
//	P4. Members held back by an isolation are admitted (set running by the
//	    Isolator, under mu) when it is released, before schedule looks for
//	    the next grant: phase fairness, as sync.RWMutex admits waiting
//	    readers. Members ending idle are held past a plain release while a
//	    full request is pending, so that a full request gets through in
//	    bounded time. A member held as it ended a scope, admitted while no
//	    request waits (a dormant plain queue, B1, counts as waiting), is
//	    let go instead: its word stays in the scope's mode (harmless or
//	    idle), since nothing waits for it to run, and it publishes
//	    running itself, as the scope's end did, under P1 and P2. A
//	    member is let go at most maxLetGo times per scope end: if the
//	    gate holds it again after that, it is held again and admitted by
//	    the rules above (set running), so that letting go adds maxLetGo
//	    isolations at most to what holds it back.
//	P5. Every watched flag is set by CompareAndSwap against the word the
//	    scan read, so a move that races with the watch either fails the
//	    CompareAndSwap (and the scan goes on) or sees the flag (and
//	    kicks): no lost wake-up.
//	P6. A watched flag stays only while it serves a queue head:
//	    Isolator.watching records, per queue, the blocker watched and the
//	    request it blocks; when that request is granted or withdrawn, or
//	    the queue's next watch is on another member, the flag is cleared
//	    (by CompareAndSwap: a member's swap that wins the race kicks once
//	    for nothing), unless a current watch, of either queue, is on the
//	    same member (the order of setting and clearing does not matter).
//	P7. Only the member's own goroutine moves its word into idle from
//	    another mode (a scope, Leave, a full request, the swap back to idle
//	    of a member that the gate holds as it ends an idle scope, the
//	    release of an isolation it asked for from an idle scope: its word
//	    says running during the section), and each such move adds one to
//	    the count; every other write keeps the count. (The swap back counts
//	    although the member never ran: a grace period may have recorded its
//	    word running, with the old count, and must see the idle entry, G1.)
//	    The member keeps its count (member.count) to write it with the mode
//	    in one swap: the fast path writes nothing more for it.
//	P8. The awaited flag is set, by CompareAndSwap against a word that is
//	    not idle, only by a grace period's waiter. It stays until the
//	    member's next move into idle, which clears it and wakes the
//	    waiters: the member's swap into another mode clears it too, and
//	    the member sets it again (under the grace periods' lock, if one
//	    still watches it) before it moves on; the Isolator's writes under
//	    mu keep it (stateWord.set). So a member that was awaited cannot
//	    become idle unseen, as P5 ensures for isolations; and once no
//	    grace period waits, no word carries the flag (grace.go, "No
//	    trace").
//
// Invariants of the slot table:
//
//	T1. A slot whose bit is clear in its group's occupied mask holds idle
//	    (with the count of its last member) without the watched or awaited
//	    flag: vacate swaps it in before it clears the bit, and a watch only
//	    ever sets a flag on a word whose mode lacked what its waiter needs,
//	    which idle never does. So a claimed slot needs no write of its
//	    word before scans may see it.
//	T2. A retired group's occupied mask is all ones, set by CompareAndSwap
//	    from zero under mu: a claimer that still reads the old table finds
//	    it full, and a group with a member is never retired.
//	T3. Scans, Stats and Blockers read the table under mu, where
//	    retirement happens, so they never visit a retired group.
//
// Invariants of grace periods (why they hold):
//
//	G1. A member recorded at count c that reads idle, or a count other
//	    than c, has moved into idle since the snapshot: only such moves
//	    change the count (P7). So an idle state between two looks is not
//	    missed, and the fast path writes nothing for it.
//	G2. A member not recorded was idle at some moment after the call, or
//	    had no slot: if it runs later, its swap to running comes after the
//	    snapshot's load in the order of sequentially consistent atomics, so
//	    it loads what the writer published before the call, never the
//	    version being retired. A member that joins later is the same case.
//	G3. No lost wake-up: the waiter arms before it loads the word, and the
//	    flag is set only on the word it read. A move into idle before the
//	    CompareAndSwap makes it fail (the waiter looks again); one after it
//	    finds the flag and kicks, which the armed waiter keeps.
//	G4. Nobody is held back: the flag only sends the member's next move to
//	    a slow path that takes no Isolator lock (a hand-on or a kick, each
//	    a short section under graceDomain.mu, which no one holds while it
//	    waits). Members never wait for a grace period.
//
// Invariants of combined sections:
//
//	C1. The queue is not empty only while active is set: a combiner clears
//	    active only when it finds the queue empty, under combiner.mu. So a
//	    section queued while active is set is run by the current combiner
//	    or by one it hands over to, never left behind.
//	C2. A combiner's own section is the head of the queue when it starts
//	    combining (it queued on an empty queue, or it was handed the queue
//	    with its section first), so it runs first, under the combiner's
//	    isolation, and sections run in arrival order.
//	C3. A combiner runs whole batches (everything queued when it looks)
//	    while it has run fewer than maxCombined sections; then, if the
//	    queue is not empty, it hands over: it marks the queue head's
//	    section to combine (active stays set) and signals it after its
//	    release. So an isolation runs a bounded number of sections, and
//	    every queued section runs: the handoff goes to the oldest one
//	    (FIFO, no starvation).
//	C4. A caller is signaled only after the isolation under which its
//	    section ran is released, and after its outcome (panic value or
//	    Goexit) is written: a member then ends its harmless scope without
//	    finding the gate held by the isolation that ran its section, and
//	    the signal orders the section's effects before the caller's return.
//	C5. A section node is in one queue or batch at a time: a member's node
//	    is reused by its next Do only after its signal (a section that
//	    calls its own member's Do panics instead); an outsider's comes from
//	    a free list of at most maxFree.
//
// Writes. State words change only by read-modify-writes (Swap, CompareAndSwap,
// Or), never by a plain Store (but a new slot's first, before any scan can
// see it): under the race detector a Store is only a release, and the
// Dekker pairs of P1 need read-modify-writes on both sides. A write under
// mu that drops the old word (grant, withdrawal, admission, all by
// stateWord.set) may drop a watched flag without a kick; that is
// safe because each is followed by a schedule that scans again from the
// first slot (the cursors are reset) before it relies on any kick.
//
// Ownership. A grant belongs to one acquisition: an outsider's release func
// carries the number of the grant it ends (request.grants), a member's
// release func or IsolateScope's Scope the serial number of its isolate
// scope, and each panics, changing nothing, when that grant or scope is no
// longer the current one.

// An Isolator is a rendez-vous point: goroutines that share a structure join
// it as members, mark themselves harmless while they do not touch the
// structure, and any goroutine may isolate itself to run while every other
// member is harmless.
//
// The zero value is ready to use. An Isolator must not be copied after first
// use. Its exported fields configure diagnostics; set them before first use.
type Isolator struct {
	noCopy noCopy

	// StallAfter is how long an isolation request, a grace period, or a
	// member held back by an isolation may wait before the wait is
	// reported as stalled (see [StallReport]), and reported again at
	// doubling intervals while it lasts: one second when zero; a negative
	// value turns stall reports off.
	StallAfter time.Duration
	// OnStall, if set, receives the stall reports, on a goroutine of its
	// own (it may block without holding anything up). When it is nil,
	// each report is logged as a warning through log/slog's default
	// logger. A report names the culprit of a stall: typically a member
	// that blocks outside a harmless scope, or one that spins on a lock
	// held by the isolating goroutine.
	OnStall func(StallReport)
	// DisableLeakCheck turns off the detection of members dropped without
	// Leave (see [Isolator.Join]), which registers a runtime cleanup for
	// each member record (a record is reused by the members that join
	// after it). A forgotten Leave then still blocks isolations, but is
	// not named as leaked.
	DisableLeakCheck bool

	_ cpu.CacheLinePad
	// gate is loaded by every member on its fast path and written only by
	// the slow path: it lives on its own cache line.
	gate gateWord
	_    cpu.CacheLinePad

	// table holds the slots; read without mu, replaced under mu to grow
	// or shrink.
	table atomic.Pointer[slotTable]

	mu sync.Mutex // guards everything below
	// owner holds the grant; nil when no isolation is in progress.
	owner *request
	// plainQ and fullQ are the pending requests in arrival order.
	plainQ, fullQ requestQueue
	// dormant is set while the plain requests queued are not counted in
	// the gate: the last release woke the head to ask again (barging).
	dormant bool
	// barged counts the releases while dormant (see goDormant).
	barged uint32
	// tickets counts the requests ever queued: a request's ticket tells
	// which of the two queue heads came first.
	tickets uint64
	// held are the members that wait for an isolation to end.
	held []*slot
	// plainCursor and fullCursor are where the scans for the heads of the
	// queues resume (P2).
	plainCursor, fullCursor int
	// watching are the blockers that schedule asked to kick it, for the
	// plain and the full queue's head.
	watching [2]sighting
	// freeRequests are requests of outsiders, kept for reuse (at most
	// maxFree).
	freeRequests freeList[request]
	counts       counters
	// stalls is what stall reports keep.
	stalls stallReports

	// grace is the grace periods and the deferred funcs, under its
	// own lock, which may be taken under mu (never the other way round).
	grace graceDomain

	// comb queues the sections of Do (combine.go), under its own lock,
	// never taken with mu held.
	comb combiner
}

// noCopy may be embedded into structs which must not be copied after first
// use; go vet's copylocks check reports copies.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
