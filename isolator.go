package isolate

import (
	"context"
	"errors"
	"fmt"
	"runtime/trace"
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

// Slot state word layout (see the protocol above): the state in the low
// bits, the flags in the high ones, so that one compare (>= stateWatched)
// tells whether a flag is set, and the count in between.
const (
	stateRunning  uint32 = 0
	stateHarmless uint32 = 1 << 0
	stateIdle     uint32 = 1<<1 | stateHarmless
	stateWatched  uint32 = 1 << 30
	stateAwaited  uint32 = 1 << 31
	// stateMask are the bits of the state proper.
	stateMask = stateIdle
	// idleOne is one idle entry in the count bits, countMask those bits.
	idleOne   uint32 = 1 << 2
	countMask        = stateWatched - idleOne
)

// Gate word layout (see the protocol above).
const (
	gatePlain     uint64 = 1       // one pending plain request
	gateYield     uint64 = 1 << 31 // a grace period waits: yield at idle ends
	gateFull      uint64 = 1 << 32 // one pending full request
	gateGranted   uint64 = 1 << 63
	gatePlainMask        = gateYield - 1
	gateFullMask         = gateGranted - gateFull
	// gateHoldsHarmless are the bits that keep a member from ending a
	// harmless scope; any bit sends a member ending an idle one to the
	// slow path, which holds it unless only gateYield is set.
	gateHoldsHarmless = gateGranted | gatePlainMask
)

// holds reports whether gate g keeps a member from going from state from
// (harmless or idle) to running.
func holds(from uint32, g uint64) bool {
	// Without a branch: from>>1 is 1 for idle, 0 for harmless. gateYield
	// lies between the plain and the full counts: the mask for idle is one
	// run of bits.
	return g&(gateHoldsHarmless|uint64(from>>1)*(gateFullMask|gateYield)) != 0
}

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
	watching [2]watched
	// spare are requests of outsiders, kept for reuse (at most maxSpare).
	spare  spares[request]
	counts counters
	// diag is the state of stall reports.
	diag diagState

	// grace is the grace periods' and deferred funcs' state, under its
	// own lock, which may be taken under mu (never the other way round).
	grace graceState

	// comb queues the sections of Do (combine.go), under its own lock,
	// never taken with mu held.
	comb combiner
}

// maxSpare is how many outsiders' requests an Isolator keeps for reuse: as
// many as outsiders that isolate at once in a usual program, so that a
// burst of them does not stay allocated.
const maxSpare = 8

// A request is one goroutine's wish to isolate itself.
type request struct {
	waiter
	member *member // nil for an outsider
	full   bool
	// prev is the member's state from before it asked, restored when the
	// request is granted or withdrawn (members only).
	prev uint32
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
	// pc is where the requester called and g its goroutine (arch.G),
	// recorded when it has to wait; zero otherwise.
	pc uintptr
	g  uintptr
	// stall reports the wait if it lasts, again if it goes on.
	stall stallClock
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
}

// Isolate waits until every member is harmless, idle or waiting to isolate
// itself, and returns with the calling goroutine isolated: no member runs
// until release is called. Call it from a goroutine that is not a member
// (a member isolates with [Member.Isolate]; through the Isolator it would wait
// for itself).
//
// release may be called from any goroutine, once: it is bound to this one
// isolation, and a second call panics, whatever has happened since. Calling
// Isolate again before release deadlocks, as locking a sync.Mutex twice
// does.
//
// Typical use:
//
//	defer iso.Isolate()()
func (iso *Isolator) Isolate() (release func()) {
	release, _ = iso.isolate(abort{}, false, false)
	return release
}

// IsolateContext is [Isolator.Isolate] that gives up when ctx is done. It
// then returns a nil release and an error wrapping ctx.Err(), and leaves no
// trace: members it held back run on, later isolations are unaffected.
func (iso *Isolator) IsolateContext(ctx context.Context) (release func(), err error) {
	return iso.isolate(abortBy(ctx), false, false)
}

// IsolateFull is [Isolator.Isolate] that waits until every member is idle
// (see [Member.Idle]), so that the isolated section may free or replace
// objects that members could otherwise hold between jobs.
func (iso *Isolator) IsolateFull() (release func()) {
	release, _ = iso.isolate(abort{}, true, false)
	return release
}

// IsolateFullContext is [Isolator.IsolateFull] that gives up when ctx is
// done, as [Isolator.IsolateContext] does.
func (iso *Isolator) IsolateFullContext(ctx context.Context) (release func(), err error) {
	return iso.isolate(abortBy(ctx), true, false)
}

// TryIsolate isolates the calling goroutine if that needs no waiting: no
// isolation is in progress or requested and every member is harmless. It
// reports whether it did; on false it leaves no trace.
func (iso *Isolator) TryIsolate() (release func(), ok bool) {
	release, err := iso.isolate(abort{}, false, true)
	return release, err == nil
}

// errWouldWait is what isolate returns when try is set and it would wait.
var errWouldWait = errors.New("isolate: isolation would wait")

func (iso *Isolator) isolate(a abort, full, try bool) (func(), error) {
	if a.ended() {
		return nil, a.err()
	}
	iso.mu.Lock()
	req := iso.spare.take()
	req.full = full
	if err := iso.acquire(req, a, try); err != nil {
		iso.mu.Lock()
		iso.spare.keep(req)
		iso.mu.Unlock()
		return nil, err
	}
	grant := req.grants
	return func() { iso.releaseOutsider(req, grant) }, nil
}

// acquire grants req, which the caller made under mu, at once if no
// isolation is in progress or requested and every other member is in the
// state it needs; failing that, it returns errWouldWait if try is set, and
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
	if m := req.member; m != nil {
		// Waiting counts as harmless, or idle for a full request (as
		// in HAProxy): the member touches nothing while it waits. A
		// watched flag this clears needs no kick: awaitGrant
		// schedules.
		waitIn := stateHarmless
		if req.full || req.prev == stateIdle {
			waitIn = stateIdle
		}
		m.publish(waitIn)
	}
	return iso.awaitGrant(req, a)
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
	req.since = time.Now()
	if stall := iso.watchStall(req); stall != nil {
		defer stall.Stop()
	}
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
	if req.wait(next, a.done()) {
		return nil
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

// quietLocked reports whether no isolation is in progress or requested.
func (iso *Isolator) quietLocked() bool {
	return iso.owner == nil && iso.plainQ.head == nil && iso.fullQ.head == nil
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
	iso.spare.keep(req)
	iso.mu.Unlock()
}

// abort is what may end a wait for an isolation: the context of the
// ...Context forms. The zero value, for the forms without one, never ends
// and spares their fast path the context's interface calls.
type abort struct{ ctx context.Context }

// abortBy returns the abort of ctx, which must not be nil.
func abortBy(ctx context.Context) abort {
	if ctx == nil {
		panic("isolate: nil Context")
	}
	return abort{ctx}
}

func (a abort) ended() bool {
	return a.ctx != nil && a.ctx.Err() != nil
}

// done is closed when a ends; nil (never ready) for the zero abort.
func (a abort) done() <-chan struct{} {
	if a.ctx == nil {
		return nil
	}
	return a.ctx.Done()
}

// err is the error of a request that a ended.
func (a abort) err() error {
	return fmt.Errorf("isolate: isolation abandoned: %w", a.ctx.Err())
}

// noCopy may be embedded into structs which must not be copied after first
// use; go vet's copylocks check reports copies.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
