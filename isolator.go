package isolate

import (
	"context"
	"fmt"
	"runtime"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/cpu"
)

// The protocol.
//
// Every member owns a slot whose state word sits alone on a cache line and
// is written only by its member, except while the member is parked in the
// slow path (then the Isolator writes it for the member, under mu):
//
//	state     meaning                                  an isolation may run?
//	running   may touch shared state                   no
//	harmless  not touching shared state right now      plain: yes, full: no
//	idle      harmless and holds no shared references  yes
//	+watched  an isolator waits for this word to change (flag on any state)
//
// The Isolator publishes one read-mostly word, the gate, that every member
// loads after leaving a harmless or idle state:
//
//	gate bits   meaning                       who must not run on past it
//	granted     an isolation is in progress   everyone but the owner
//	plain count plain requests are pending    members ending harmless or idle
//	full count  full requests are pending     members ending idle, Join
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

// Slot state word values (see the protocol above).
const (
	stateRunning  uint32 = 0
	stateHarmless uint32 = 1 << 0
	stateIdle     uint32 = 1<<1 | stateHarmless
	stateWatched  uint32 = 1 << 2
	stateMode            = stateIdle // the bits without the watched flag
)

// Gate word layout (see the protocol above).
const (
	gatePlain     uint64 = 1       // one pending plain request
	gateFull      uint64 = 1 << 32 // one pending full request
	gateGranted   uint64 = 1 << 63
	gatePlainMask        = gateFull - 1
	gateFullMask         = gateGranted - gateFull
	// gateHoldsHarmless are the bits that keep a member from ending a
	// harmless scope; any bit keeps it from ending an idle one.
	gateHoldsHarmless = gateGranted | gatePlainMask
)

// holds reports whether gate g keeps a member from going from state from
// (harmless or idle) to running.
func holds(from uint32, g uint64) bool {
	// Without a branch: from>>1 is 1 for idle, 0 for harmless.
	return g&(gateHoldsHarmless|uint64(from>>1)*gateFullMask) != 0
}

// An Isolator is a rendez-vous point: goroutines that share a structure join
// it as members, mark themselves harmless while they do not touch the
// structure, and any goroutine may isolate itself to run while every other
// member is harmless.
//
// The zero value is ready to use. An Isolator must not be copied after first
// use. Its exported fields configure stall reports; set them before first
// use.
type Isolator struct {
	noCopy noCopy

	// OnStall, if set, is called once for each isolation request that has
	// waited StallAfter, on a goroutine of its own (it may block or log
	// without holding anything up), with the members that keep it
	// waiting. It names the culprit of a stall: typically a member that
	// blocks without a harmless scope, or one that spins on a lock held by
	// the isolating goroutine.
	OnStall func(StallReport)
	// StallAfter is how long a request waits before OnStall is called;
	// one second when zero.
	StallAfter time.Duration
	// DisableLeakCheck turns off the detection of members dropped without
	// Leave (see [Isolator.Join]), which costs a runtime cleanup, about
	// 300 ns, per Join. Set it when members join per request and Join
	// must be cheap; a forgotten Leave then still blocks isolations, but
	// is not named as leaked.
	DisableLeakCheck bool

	_ cpu.CacheLinePad
	// gate is loaded by every member on its fast path and written only by
	// the slow path: it lives on its own cache line.
	gate atomic.Uint64
	_    cpu.CacheLinePad

	// table holds the slots; read without mu, replaced under mu to grow.
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
	// plainFrom and fullFrom are where the scans for the heads of the
	// queues resume (invariant 2).
	plainFrom, fullFrom int
	// spare are requests of outsiders, kept for reuse.
	spare []*request
	// release is the cached release func returned to outsiders.
	release func()
	counts  counters
}

// A request is one goroutine's wish to isolate itself.
type request struct {
	waiter
	member *Member // nil for an outsider
	full   bool
	// mode is the member's state from before it asked, restored when the
	// request is granted or withdrawn (members only).
	mode uint32
	// prev and next link the request into its queue while it is pending.
	prev, next *request
	// since is when the request started to wait; zero if it did not.
	since time.Time
	// pc is the outsider's caller, recorded when stall reports are on.
	pc uintptr
	// task spans the isolated section while runtime/trace is on.
	task *trace.Task
	// ticket is the request's place in arrival order, across both queues.
	ticket uint64
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
// release may be called from any goroutine, once. Calling Isolate again
// before release deadlocks, as locking a sync.Mutex twice does. A second
// release panics if no isolation has begun since; after another isolation
// has begun it cannot be told apart from that one's release.
//
// Typical use:
//
//	defer iso.Isolate()()
func (iso *Isolator) Isolate() (release func()) {
	release, _ = iso.isolate(cancel{}, false, false)
	return release
}

// IsolateContext is [Isolator.Isolate] that gives up when ctx is done. It
// then returns a nil release and an error wrapping ctx.Err(), and leaves no
// trace: members it held back run on, later isolations are unaffected.
func (iso *Isolator) IsolateContext(ctx context.Context) (release func(), err error) {
	return iso.isolate(cancelBy(ctx), false, false)
}

// IsolateFull is [Isolator.Isolate] that waits until every member is idle
// (see [Member.Idle]), so that the isolated section may free or replace
// objects that members could otherwise hold between jobs.
func (iso *Isolator) IsolateFull() (release func()) {
	release, _ = iso.isolate(cancel{}, true, false)
	return release
}

// IsolateFullContext is [Isolator.IsolateFull] that gives up when ctx is
// done, as [Isolator.IsolateContext] does.
func (iso *Isolator) IsolateFullContext(ctx context.Context) (release func(), err error) {
	return iso.isolate(cancelBy(ctx), true, false)
}

// TryIsolate isolates the calling goroutine if that needs no waiting: no
// isolation is in progress or requested and every member is harmless. It
// reports whether it did; on false it leaves no trace.
func (iso *Isolator) TryIsolate() (release func(), ok bool) {
	release, err := iso.isolate(cancel{}, false, true)
	return release, err == nil
}

// errWouldWait is what isolate returns when try is set and it would wait.
var errWouldWait = fmt.Errorf("isolate: isolation would wait")

func (iso *Isolator) isolate(c cancel, full, try bool) (func(), error) {
	if c.ended() {
		return nil, c.abandoned()
	}
	iso.mu.Lock()
	if try && !iso.quietLocked() {
		iso.mu.Unlock()
		return nil, errWouldWait
	}
	var req *request
	if n := len(iso.spare); n > 0 {
		req, iso.spare = iso.spare[n-1], iso.spare[:n-1]
	} else {
		req = new(request)
	}
	if iso.release == nil {
		iso.release = iso.releaseOutsider
	}
	req.full, req.pc = full, 0
	if iso.OnStall != nil {
		var pc [1]uintptr
		runtime.Callers(3, pc[:]) // the caller of Isolate and friends
		req.pc = pc[0]
	}
	err := iso.awaitGrant(req, c, try)
	if err != nil {
		iso.mu.Lock()
		iso.spare = append(iso.spare, req)
		iso.mu.Unlock()
		return nil, err
	}
	return iso.release, nil
}

// awaitGrant queues req, which the caller made under mu, and waits until it
// is granted. mu is unlocked on return. If c ends first, or try is set and
// the grant is not immediate, the request is withdrawn and an error returned.
func (iso *Isolator) awaitGrant(req *request, c cancel, try bool) error {
	iso.enqueue(req)
	req.asking = true // a grant now needs no wake-up: we are not waiting
	iso.schedule()
	req.asking = false
	if iso.owner == req {
		iso.mu.Unlock()
		return nil
	}
	req.arm()
	if try {
		iso.withdrawLocked(req)
		iso.mu.Unlock()
		return errWouldWait
	}
	req.since = time.Now()
	// Spinning helps if an isolated section runs, or if req is next and
	// waits for running members; not behind other waiting requests.
	busy := iso.owner != nil || iso.plainQ.head == req || iso.fullQ.head == req
	iso.mu.Unlock()
	done := c.done()
	if trace.IsEnabled() {
		defer trace.StartRegion(context.Background(), "isolate: wait for isolation").End()
	}
	tick, onTick, stop := iso.watchStall(req)
	if stop != nil {
		defer stop()
	}
	if req.wait(busy, done, tick, onTick) {
		return nil
	}
	iso.mu.Lock()
	iso.counts.abandoned++
	req.since = time.Time{}
	held := false
	if iso.owner == req {
		// Granted as c ended: roll the grant back, as
		// x/sync/semaphore does, so that the caller sees one outcome.
		iso.releaseLocked(req)
	} else {
		held = iso.withdrawLocked(req)
	}
	iso.mu.Unlock()
	if held {
		req.member.slot.wait(true, nil, nil, nil) // withdrawn while someone else is isolated
	}
	return c.abandoned()
}

// quietLocked reports whether no isolation is in progress or requested.
func (iso *Isolator) quietLocked() bool {
	return iso.owner == nil && iso.plainQ.head == nil && iso.fullQ.head == nil
}

func (iso *Isolator) releaseOutsider() {
	iso.mu.Lock()
	req := iso.owner
	if req == nil || req.member != nil {
		iso.mu.Unlock()
		panic("isolate: release of an isolation that is not held (released twice?)")
	}
	iso.releaseLocked(req)
	iso.spare = append(iso.spare, req)
	iso.mu.Unlock()
}

// cancel is what may end a wait for an isolation: the context of the
// ...Context forms. The zero value, for the forms without one, never ends
// and spares their fast path the context's interface calls.
type cancel struct{ ctx context.Context }

// cancelBy returns the cancel of ctx, which must not be nil.
func cancelBy(ctx context.Context) cancel {
	if ctx == nil {
		panic("isolate: nil Context")
	}
	return cancel{ctx}
}

func (c cancel) ended() bool {
	return c.ctx != nil && c.ctx.Err() != nil
}

// done is closed when c ends; nil (never ready) for the zero cancel.
func (c cancel) done() <-chan struct{} {
	if c.ctx == nil {
		return nil
	}
	return c.ctx.Done()
}

// abandoned is the error of a request that c ended.
func (c cancel) abandoned() error {
	return fmt.Errorf("isolate: isolation abandoned: %w", c.ctx.Err())
}

// noCopy may be embedded into structs which must not be copied after first
// use; go vet's copylocks check reports copies.
type noCopy struct{}

func (*noCopy) Lock()   {}
func (*noCopy) Unlock() {}
