package isolate

// The shared state of TestTorture (race_test.go), its invariant checks,
// and the ways to isolate that workers and outsiders pick from; and the
// grace periods' part: an RCU object that running members read and hold
// (across harmless scopes, Poll and isolations, never across an idle
// state), which outsiders and members inside Idle scopes replace, retiring
// the old version after Synchronize, SynchronizeContext or Defer. The
// checks: no member reads or holds a retired version, and under -race no
// retiring write races with a member's read; deferred funcs run in Defer
// order; at the end no grace period waits and no func is pending.
// Outsiders also call Synchronize inside their full sections.

import (
	"context"
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// tortureObj is an object that members may hold across harmless scopes but
// not across idle ones; a full isolation frees it.
type tortureObj struct {
	gen   int
	freed bool
}

// rcuObj is a version of the object that members read while running, without
// a lock (read-copy-update): a writer publishes the next version, waits for
// a grace period (Synchronize, SynchronizeContext, Defer) and then retires
// the old one with plain writes, which a member that still held it would
// see, and the race detector too.
type rcuObj struct {
	ver     int64
	data    [4]int64 // each ver while published, -1 once retired
	retired bool
}

// tortureCounter is one actor's plain counter, on a line of its own.
type tortureCounter struct {
	ops uint64
	_   [56]byte
}

type torture struct {
	t    *testing.T
	iso  Isolator
	stop atomic.Bool

	// Plain shared data: written only inside isolated sections, read by
	// running members.
	gen   int
	words [8]int
	obj   *tortureObj
	// owner is the id of the goroutine in the section (plain).
	owner int
	// sumOps is the sum of counters seen by the last section (plain).
	sumOps uint64
	// counters are written by each member while it runs (plain), read by
	// sections.
	counters []tortureCounter

	running  atomic.Int32 // members running (see the checks above)
	holding  atomic.Int32 // members that may hold obj (not idle)
	isolated atomic.Int32 // goroutines inside a section

	lastIsolation atomic.Int64 // UnixNano of the last section's end
	violations    atomic.Int64

	// rcu is the current version of the RCU object (nil before the first
	// update), rcuVer the last version number given out.
	rcu    atomic.Pointer[rcuObj]
	rcuVer atomic.Int64
	// graceOnce registers the grace checks at the end of the test.
	graceOnce sync.Once

	// Statistics.
	memberPlain, memberFull, outsiderPlain, outsiderFull atomic.Int64
	tryOK, tryFailed, nested, cancelled, joins, leaves   atomic.Int64
	leftInScope, polls, harmless, idle, sleeperWakes     atomic.Int64
	remoteReleases                                       atomic.Int64
	syncs, syncsAbandoned, defers, retired, rcuReads     atomic.Int64
}

func (tt *torture) violation(format string, args ...any) {
	if tt.violations.Add(1) <= 20 {
		tt.t.Errorf("violation: "+format, args...)
	}
}

// enterSection starts an isolated section of the goroutine id.
func (tt *torture) enterSection(id int, full bool) {
	if n := tt.isolated.Add(1); n != 1 {
		tt.violation("%d goroutines isolated at once (entering: %d)", n, id)
	}
	if n := tt.running.Load(); n != 0 {
		tt.violation("isolated section of %d begins with %d running members", id, n)
	}
	if full {
		if n := tt.holding.Load(); n != 0 {
			tt.violation("full isolated section of %d begins with %d members not idle", id, n)
		}
	}
	tt.owner = id
	tt.mutate(id, full)
}

// inSection checks and changes the shared data inside the section of id.
func (tt *torture) inSection(id int, full, write bool) {
	if n := tt.isolated.Load(); n != 1 {
		tt.violation("%d goroutines isolated inside the section of %d", n, id)
	}
	if n := tt.running.Load(); n != 0 {
		tt.violation("%d running members inside the section of %d", n, id)
	}
	if tt.owner != id {
		tt.violation("section of %d: owner is %d", id, tt.owner)
	}
	if write {
		tt.mutate(id, full)
	}
}

// mutate is the body of an isolated section: it reads what running
// members wrote and writes what they read.
func (tt *torture) mutate(id int, full bool) {
	for i, w := range tt.words {
		if w != tt.gen {
			tt.violation("section of %d: words[%d] = %d, gen %d", id, i, w, tt.gen)
		}
	}
	tt.gen++
	for i := range tt.words {
		tt.words[i] = tt.gen
		if i == len(tt.words)/2 && tt.gen%16 == 0 {
			runtime.Gosched() // a running member would now see torn words
		}
	}
	var sum uint64
	for i := range tt.counters {
		sum += tt.counters[i].ops
	}
	if sum < tt.sumOps {
		tt.violation("section of %d: member counters went back: %d < %d", id, sum, tt.sumOps)
	}
	tt.sumOps = sum
	if full {
		tt.obj.freed = true
		tt.obj = &tortureObj{gen: tt.gen}
	}
}

func (tt *torture) leaveSection(id int) {
	tt.inSection(id, false, false)
	tt.lastIsolation.Store(time.Now().UnixNano())
	if n := tt.isolated.Add(-1); n != 0 {
		tt.violation("%d goroutines isolated when %d leaves its section", n+1, id)
	}
}

// checkCtxErr checks what an abandoned IsolateContext returned.
func (tt *torture) checkCtxErr(ctx context.Context, release func(), err error) {
	tt.cancelled.Add(1)
	if release != nil {
		tt.violation("IsolateContext returned a release with error %v", err)
	}
	if !errors.Is(err, ctx.Err()) || !strings.HasPrefix(err.Error(), "isolate: ") {
		tt.violation("IsolateContext error %q does not wrap %v", err, ctx.Err())
	}
}

// tortureCtx returns a context for IsolateContext that is cancelled
// already, times out shortly, or is cancelled explicitly a little later.
func tortureCtx(rng *rand.Rand) (context.Context, func()) {
	switch rng.IntN(8) {
	case 0:
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	case 1, 2, 3:
		return context.WithTimeout(context.Background(), time.Duration(rng.IntN(300))*time.Microsecond)
	default:
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(time.Duration(rng.IntN(300))*time.Microsecond, cancel)
		return ctx, func() { timer.Stop(); cancel() }
	}
}

// torturePause lets other goroutines run, sometimes for a while.
func torturePause(rng *rand.Rand) {
	switch rng.IntN(16) {
	case 0:
		time.Sleep(time.Duration(rng.IntN(50)) * time.Microsecond)
	case 1, 2, 3, 4:
		runtime.Gosched()
	}
}

// isolateForms is what Isolator and Member have in common: the ways to
// isolate oneself.
type isolateForms interface {
	Isolate() func()
	IsolateFull() func()
	IsolateContext(context.Context) (func(), error)
	IsolateFullContext(context.Context) (func(), error)
	TryIsolate() (func(), bool)
}

// randomIsolate isolates through x in a random way, full or not (TryIsolate
// is never full). It returns nil if it gave up (TryIsolate failed, or the
// context ended), after checking and counting that.
func (tt *torture) randomIsolate(x isolateForms, rng *rand.Rand, full bool) (release func(), isFull bool) {
	switch r := rng.IntN(10); {
	case r < 4:
		if full {
			return x.IsolateFull(), true
		}
		return x.Isolate(), false
	case r < 7:
		ctx, cancel := tortureCtx(rng)
		defer cancel()
		var err error
		if full {
			release, err = x.IsolateFullContext(ctx)
		} else {
			release, err = x.IsolateContext(ctx)
		}
		if err != nil {
			tt.checkCtxErr(ctx, release, err)
			return nil, false
		}
		return release, full
	default:
		release, ok := x.TryIsolate()
		if !ok {
			tt.tryFailed.Add(1)
			return nil, false
		}
		tt.tryOK.Add(1)
		return release, false
	}
}

// An outsider isolates itself in a random way and runs a section, or
// updates the RCU object.
func (tt *torture) outsider(id int, rng *rand.Rand) {
	tt.graceOnce.Do(tt.checkGraceAtEnd)
	if rng.IntN(4) == 0 {
		tt.rcuUpdates(rng)
		return
	}
	release, full := tt.randomIsolate(&tt.iso, rng, rng.IntN(4) == 0)
	if release == nil {
		return
	}
	if full {
		tt.outsiderFull.Add(1)
	} else {
		tt.outsiderPlain.Add(1)
	}
	tt.enterSection(id, full)
	for range rng.IntN(3) {
		torturePause(rng)
		tt.inSection(id, full, true)
	}
	if full && rng.IntN(4) == 0 {
		// Every other member is idle: a grace period is over at once
		// (a member whose full request was withdrawn meanwhile too).
		tt.syncs.Add(1)
		tt.iso.Synchronize()
	}
	tt.leaveSection(id)
	if rng.IntN(8) == 0 {
		// An outsider's release may be called from any goroutine.
		tt.remoteReleases.Add(1)
		done := make(chan struct{})
		go func() { release(); close(done) }()
		<-done
		return
	}
	release()
}

// checkRCU checks the version p of the RCU object that member id reads, or
// holds since it read it.
func (tt *torture) checkRCU(id int, p *rcuObj) {
	if p.retired {
		tt.violation("member %d holds version %d of the RCU object, retired after a grace period", id, p.ver)
	}
	for i, v := range p.data {
		if v != p.ver {
			tt.violation("member %d reads data[%d] = %d in version %d of the RCU object", id, i, v, p.ver)
		}
	}
}

// rcuUpdates publishes a few versions of the RCU object, each time retiring
// the old one after a grace period, in one of the three ways; it returns
// once the funcs it deferred have run. Call it as an outsider, or as a
// member inside an Idle scope.
func (tt *torture) rcuUpdates(rng *rand.Rand) {
	var pending []chan struct{}
	for range 1 + rng.IntN(3) {
		next := &rcuObj{ver: tt.rcuVer.Add(1)}
		for i := range next.data {
			next.data[i] = next.ver
		}
		old := tt.rcu.Swap(next)
		if old == nil {
			continue
		}
		switch r := rng.IntN(8); {
		case r < 3:
			tt.syncs.Add(1)
			tt.iso.Synchronize()
			tt.retire(old)
		case r < 5:
			tt.syncs.Add(1)
			ctx, cancel := tortureCtx(rng)
			if err := tt.iso.SynchronizeContext(ctx); err != nil {
				tt.syncsAbandoned.Add(1)
				if !errors.Is(err, ctx.Err()) || !strings.HasPrefix(err.Error(), "isolate: ") {
					tt.violation("SynchronizeContext error %q does not wrap %v", err, ctx.Err())
				}
				tt.iso.Synchronize() // the old version waits for one after all
			}
			cancel()
			tt.retire(old)
		default:
			tt.defers.Add(1)
			var prev chan struct{}
			if n := len(pending); n > 0 {
				prev = pending[n-1]
			}
			done := make(chan struct{})
			tt.iso.Defer(func() {
				if prev != nil {
					select {
					case <-prev:
					default:
						tt.violation("deferred func runs before the one deferred before it")
					}
				}
				tt.retire(old)
				close(done)
			})
			pending = append(pending, done)
		}
		torturePause(rng)
	}
	tt.iso.Barrier()
}

// retire poisons the RCU object p, which no member may hold any more.
func (tt *torture) retire(p *rcuObj) {
	p.retired = true
	for i := range p.data {
		p.data[i] = -1
	}
	tt.retired.Add(1)
}

// checkGraceAtEnd registers, on the first outsider's way, the checks of
// grace periods when the torture ends: nothing pending, each way used.
func (tt *torture) checkGraceAtEnd() {
	t := tt.t
	t.Cleanup(func() {
		// The last deferred func has run, but its goroutine may not
		// have counted it yet.
		st := barrierWithin(t, &tt.iso, 5*time.Second)
		t.Logf("grace periods: %d, synchronize %d (%d abandoned), defers %d, versions retired %d, member reads %d",
			st.GracePeriods, tt.syncs.Load(), tt.syncsAbandoned.Load(), tt.defers.Load(), tt.retired.Load(), tt.rcuReads.Load())
		if st.Synchronizing != 0 || st.DeferredPending != 0 {
			t.Errorf("at the end: Synchronizing %d, DeferredPending %d", st.Synchronizing, st.DeferredPending)
		}
		if tt.syncs.Load() == 0 || tt.defers.Load() == 0 || tt.retired.Load() == 0 || tt.rcuReads.Load() == 0 {
			t.Errorf("grace periods not exercised: %d synchronize, %d defers, %d retired, %d reads",
				tt.syncs.Load(), tt.defers.Load(), tt.retired.Load(), tt.rcuReads.Load())
		}
	})
}
