package isolate

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/cpu"
)

// The protocol.
//
// Every member owns a slot whose state word sits alone on a cache line. Its
// member writes it (entering and ending scopes, Join, Leave); under mu the
// Isolator writes it for a member that waits (held, or in its isolation
// request: the hold, the grant, the withdrawal and the admission); and the
// scan sets and clears the watched flag, by CompareAndSwap:
//
//	state     meaning                                  an isolation may run?
//	running   may touch shared state                   no
//	harmless  not touching shared state right now      plain: yes, full: no
//	idle      harmless and holds no shared references  yes
//	+watched  an isolator waits for this word to change (flag on any state)
//	+awaited  a grace period waits for the member's next idle state
//	count     the member's idle entries so far (28 bits, wrapping)
//
// The count is what lets a grace period (grace.go) see an idle state too
// brief to be observed: a member that was not idle when the grace period
// began has been idle since if its count has changed or it is idle now.
//
// The Isolator publishes one read-mostly word, the gate, that every member
// loads after leaving a harmless or idle state:
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
// (see Isolator.resumeSlow). A
// Synchronize sets it while it is parked (graceState.yielders): the
// members it waits for may be runnable but not running, behind members
// that never block (their next job is queued), and a grace period holds
// nobody back, so those members would otherwise run on until preempted.
//
// The fast paths never take mu:
//
//	Harmless:   state.Swap(harmless)                       (wake if watched)
//	end:        state.Swap(running); gate.Load()           (slow path if held)
//	Poll:       gate.Load()
//
// Isolation requests queue under mu in arrival order (one FIFO for plain
// requests, one for full), each with a ticket. schedule, which runs under mu
// whenever something may have changed, grants the head of the full queue when
// every other member is idle and no older plain request waits, otherwise the
// head of the plain queue when every other member is harmless; failing both
// it sets the watched flag on the first member that blocks each head and
// returns. That member's next Swap sees the flag and runs
// schedule again (kick). Nobody else is woken: idle members are never touched.
//
// An uncontended request (nothing in progress or pending) skips the queues:
// the requester publishes the granted bit itself and scans; if no member
// blocks it, it owns the grant with one gate write; otherwise it clears the
// bit, resets the cursors and queues as above (TryIsolate gives up instead).
// To a member a grant and a pending request look the same (both keep every
// scope end and Join from running on), so invariant 1 holds as for a queued
// request, and since mu stays held, nobody is held or watched meanwhile.
//
// Invariants:
//
//  1. Dekker: a member's Swap(running) precedes its gate.Load, and a request's
//     gate.Add precedes every scan that may grant it; all are sequentially
//     consistent read-modify-writes or loads, so either the scan sees the
//     member running or the member sees the request and takes the slow path.
//  2. While a request of kind K is pending, no member leaves the state that K
//     needs (harmless for plain, idle for full) without taking mu: the gate
//     sends it to the slow path. Hence a slot scanned as harmless (idle) stays
//     so until something under mu changes it, and such changes (admissions,
//     withdrawals, grants) reset the scan cursors.
//  3. The grant has an owner (owner != nil) that only its release clears;
//     nested harmless scopes of the owner never let a second request in.
//  4. Members held back by an isolation are admitted (set running by the
//     Isolator, under mu) when it is released, before schedule looks for the
//     next grant: phase fairness, as sync.RWMutex admits waiting readers.
//     Members ending idle are held past a plain release while a full request
//     is pending, so that a full request gets through in bounded time.
//  5. Every watched flag is set by CompareAndSwap against the state the scan
//     read, so a change that races with the watch either fails the CAS (and
//     the scan goes on) or sees the flag (and kicks): no lost wake-up.
//  6. A watched flag stays only while it serves a queue head: Isolator.watching
//     records, per queue, the blocker watched and the request it blocks;
//     when that request is granted or withdrawn, or the queue's next watch is
//     on another member, the flag is cleared (by CompareAndSwap: a member's
//     Swap that wins the race kicks once for nothing), unless a current
//     watch, of either queue, is on the same member (the order of setting
//     and clearing does not matter).
//  7. Only the member's own goroutine moves its word into idle from another
//     state (a scope, Leave, a full request, a hold on ending an idle
//     scope, the release of an isolation it asked for from an idle scope:
//     its word says running during the section), and each such move adds
//     idleOne; every other write keeps the count. The member keeps its count (member.count) to write it with the
//     state in one Swap: the fast path writes nothing more for it.
//  8. The awaited flag is set, by CompareAndSwap against a word that is not
//     idle, only by a grace period's waiter. It stays until the member's
//     next move into idle, which clears it and wakes the waiters: the
//     member's Swap into another state clears it too, and the member sets
//     it again (Or, under the grace periods' lock, if one still watches
//     it) before it moves on; the Isolator's writes under mu keep it
//     (setState). So a member that was awaited cannot become idle unseen,
//     as invariant 5 ensures for isolations; and once no grace period
//     waits, no word carries the flag (grace.go, "No trace").
//
// Writes. State words change only by read-modify-writes (Swap, CompareAndSwap,
// Or), never by a plain Store: under the race detector a Store is only a
// release, and the Dekker pairs above need read-modify-writes on both sides.
// A write under mu that drops the old word (grant, withdrawal, admission,
// hold, all by setState) may drop a watched flag without a kick; that is
// safe because each is followed by a schedule that scans again from the
// first slot (the cursors are reset) before it relies on any kick.
//
// Ownership. A grant belongs to one acquisition: an outsider's release func
// carries the number of the grant it ends (request.grants), a member's the
// serial number of its isolate scope, and either panics, changing nothing,
// when that grant or scope is no longer the current one.

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
	// each member state (a state is reused by the members that join
	// after it). A forgotten Leave then still blocks isolations, but is
	// not named as leaked.
	DisableLeakCheck bool

	_ cpu.CacheLinePad
	// gate is loaded by every member on its fast path and written only by
	// the slow path: it lives on its own cache line.
	gate atomic.Uint64
	_    cpu.CacheLinePad

	// table holds the slots; read without mu, replaced under mu to grow
	// or shrink.
	table atomic.Pointer[slotTable]

	mu sync.Mutex // guards everything below
	// owner holds the grant; nil when no isolation is in progress.
	owner *request
	// plainQ and fullQ are the pending requests in arrival order.
	plainQ, fullQ requestQueue
	// tickets counts the requests ever queued: a request's ticket tells
	// which of the two queue heads came first.
	tickets uint64
	// held are the members that wait for an isolation to end.
	held []*slot
	// plainCursor and fullCursor are where the scans for the heads of the
	// queues resume (invariant 2).
	plainCursor, fullCursor int
	// watching are the blockers that schedule asked to kick it, for the
	// plain and the full queue's head.
	watching [2]sighting
	// spare are requests of outsiders, kept for reuse (at most maxSpare).
	freeRequests freeList[request]
	counts       counters
	// diag is the state of stall reports.
	stalls stallReports

	// grace is the grace periods' and deferred funcs' state, under its
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
