package isolate

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Grace periods against the findings of an adversarial review: each test
// failed on the code it was written against, and states what holds now.

// Concurrent Defers: D1 snapshots while member M is idle (M not in S1), M
// starts running and picks up the object that D2 then retires, D2
// snapshots (M in S2) and appends a batch with S2; D1 then takes mu. D1
// must not join D2's batch, whose snapshot began after its own: S1 lacks M,
// and D2's func would run while M still holds the object (it did: covers
// alone allowed it; now a batch is joined only by a snapshot that began
// after the batch's were installed).
//
// The interleaving is forced by holding graceDomain.mu while D1 is
// between its snapshot and its merge (D1 took g.spare: it is past its
// first critical section), then letting D2 (this goroutine) barge in
// while it has the only processor.
func TestDeferConcurrentSnapshotsDoNotMerge(t *testing.T) {
	bad := 0
	const tries = 20
	for try := range tries {
		if reviewDeferMergeOnce(t) {
			bad++
			t.Errorf("try %d: a func deferred while M ran ran before M was idle", try)
			break
		}
	}
	t.Logf("bad merges: %d", bad)
}

const reviewTail = 4000

func reviewDeferMergeOnce(t *testing.T) (bug bool) {
	var iso Isolator
	g := &iso.grace
	// Z runs, keeping the Isolator's goroutine on batch 0.
	zReady, zGo, zDone := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() {
		mz := iso.Join()
		close(zReady)
		<-zGo
		mz.Idle().End() // one idle instant
		<-zDone
		mz.Leave()
	}()
	<-zReady
	m := iso.Join() // M: this goroutine
	endIdle := m.Idle()
	// A tail of harmless members, in both snapshots at the same counts,
	// makes each snapshot long enough for this goroutine to take mu
	// while D1 is in it (after it read M's slot).
	tail := make([]Member, reviewTail)
	tailEnds := make([]func(), reviewTail)
	for i := range tail {
		tail[i] = iso.Join()
		tailEnds[i] = tail[i].Harmless().End
	}
	iso.Defer(func() {}) // batch 0: waits for Z
	for iso.Stats().Synchronizing == 0 {
		time.Sleep(10 * time.Microsecond)
	}
	g.mu.Lock()
	g.snapBuf = make([]awaiting, 0, 4) // Defer takes it in its first section
	g.mu.Unlock()

	d1 := make(chan struct{})
	go func() {
		defer close(d1)
		iso.Defer(func() {}) // D1: its snapshot sees M idle
	}()
	for {
		g.mu.Lock()
		if g.snapBuf == nil {
			break // D1 is past its first section: hold mu
		}
		g.mu.Unlock()
		runtime.Gosched()
	}
	time.Sleep(200 * time.Microsecond) // D1 snapshots, then waits for mu
	// One processor from here until D2 is queued: D1, woken by the
	// Unlock below, cannot run before this goroutine blocks.
	procs := runtime.GOMAXPROCS(1)
	endIdle.End() // M runs, and takes a reference to obj
	var holding atomic.Bool
	holding.Store(true)
	var ranWhileHolding atomic.Bool
	ran := make(chan struct{})
	g.mu.Unlock()
	iso.Defer(func() { // D2: obj was unpublished before this call
		ranWhileHolding.Store(holding.Load())
		close(ran)
	})
	if testing.Verbose() {
		g.mu.Lock()
		t.Logf("after D2: %d batches queued, first with %d funcs, %v", len(g.batches), len(g.batches[0].funcs), g.batches[0].pend)
		g.mu.Unlock()
	}
	runtime.GOMAXPROCS(procs)
	<-d1
	if testing.Verbose() {
		g.mu.Lock()
		for i, b := range g.batches {
			t.Logf("batch %d: %d funcs, waits for %v", i, len(b.funcs), b.pend)
		}
		g.mu.Unlock()
	}
	close(zGo)            // Z idle once: batch 0 may run, and D1's func
	for i := range tail { // the tail idle once too
		tailEnds[i]()
		tail[i].Idle().End()
	}
	select {
	case <-ran:
	case <-time.After(50 * time.Millisecond):
	}
	bug = ranWhileHolding.Load()
	holding.Store(false)
	m.Idle().End() // M drops obj: D2's func may run now
	<-ran
	close(zDone)
	m.Leave()
	for _, mt := range tail {
		mt.Leave()
	}
	barrierWithin(t, &iso, 10*time.Second)
	return bug
}

// The awaited flag sends a member's scope end to a slow path that takes no
// Isolator lock (grace.go, point 4): here mu is held by the test, as a
// schedule or a Stats call would hold it, and the awaited member's scope
// end must not wait for it, as no isolation is in progress or requested.
// (It did: the slow path always went on to Isolator.resumeSlow.)
func TestAwaitedScopeEndTakesNoIsolatorLock(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	done := make(chan struct{})
	go func() { iso.Synchronize(); close(done) }()
	for !m.mb.word.load().awaited() {
		time.Sleep(10 * time.Microsecond)
	}
	end := m.Harmless() // the flag is handed on under graceDomain.mu, not Isolator.mu
	iso.mu.Lock()
	ended := make(chan struct{})
	go func() { end.End(); close(ended) }() // m's scope end (a goroutine of its own only to observe it)
	select {
	case <-ended:
	case <-time.After(100 * time.Millisecond):
		t.Errorf("an awaited member's scope end waits for Isolator.mu (no isolation anywhere)")
	}
	iso.mu.Unlock()
	<-ended
	m.Idle().End()
	<-done
	m.Leave()
}

// A member that isolates from inside an Idle scope runs its section and may
// read the shared structure there: a grace period waits for it, as doc.go's
// state table says for isolated members (its word stayed idle through the
// section, and Synchronize returned at once).
func TestIsolatedFromIdleIsWaitedFor(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	endIdle := m.Idle()
	release := m.Isolate() // isolated: may read the structure now
	done := make(chan struct{})
	go func() { iso.Synchronize(); close(done) }()
	select {
	case <-done:
		t.Errorf("Synchronize returned while a member runs its isolated section (opened in an Idle scope); doc.go's table says isolated members are waited for")
	case <-time.After(50 * time.Millisecond):
	}
	release()
	endIdle.End()
	m.Idle().End()
	<-done
	m.Leave()
}

// RCU torture through the public API. Readers read
// the current object while running or harmless (never idle) and check it
// has not been freed; writers swap it and free the old one after
// Synchronize, SynchronizeContext (freeing only on nil) or Defer; members
// churn (Leave and Join again, Leave inside open scopes), isolate, poll,
// and an outsider isolates, plain and full. Liveness: everything ends.
func TestGraceTorture(t *testing.T) {
	type obj struct{ freed atomic.Bool }
	var iso Isolator
	var cur atomic.Pointer[obj]
	cur.Store(new(obj))
	var stop atomic.Bool
	var bad atomic.Int64
	var wg sync.WaitGroup
	check := func(p *obj) {
		if p.freed.Load() {
			bad.Add(1)
		}
	}
	const readers = 8
	for r := range readers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(r), 7))
			m := iso.Join()
			for !stop.Load() {
				p := cur.Load()
				check(p)
				switch rng.IntN(8) {
				case 0:
					end := m.Harmless()
					runtime.Gosched()
					check(p)
					end.End()
				case 1:
					m.Poll()
				case 2:
					if rng.IntN(4) == 0 {
						m.Isolate()()
					} else {
						end := m.Idle()
						m.IsolateFull()()
						end.End()
						p = cur.Load() // p was dropped when idle
					}
				case 3: // leave, sometimes inside an open scope, and join again
					if rng.IntN(2) == 0 {
						end := m.Harmless()
						check(p)
						m.Leave()
						end.End()
					} else {
						m.Leave()
					}
					m = iso.Join()
					continue
				}
				check(p)
				if rng.IntN(3) == 0 {
					end := m.Idle()
					runtime.Gosched()
					end.End()
				} else {
					m.Idle().End()
				}
			}
			m.Leave()
		}()
	}
	swap := func() *obj {
		return cur.Swap(new(obj))
	}
	wg.Add(3)
	go func() { // Synchronize
		defer wg.Done()
		for !stop.Load() {
			old := swap()
			iso.Synchronize()
			old.freed.Store(true)
		}
	}()
	go func() { // SynchronizeContext with short deadlines
		defer wg.Done()
		for !stop.Load() {
			old := swap()
			for {
				ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rand.IntN(20))*time.Microsecond)
				err := iso.SynchronizeContext(ctx)
				cancel()
				if err == nil {
					break
				}
			}
			old.freed.Store(true)
		}
	}()
	go func() { // Defer, and an outsider's isolations
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			old := swap()
			iso.Defer(func() { old.freed.Store(true) })
			switch i % 4 {
			case 0:
				iso.Isolate()()
			case 1:
				iso.IsolateFull()()
			case 2:
				if rel, ok := iso.TryIsolate(); ok {
					rel()
				}
			}
			if i%64 == 0 {
				time.Sleep(10 * time.Microsecond)
			}
		}
	}()
	stormFor(t, &iso, 1500*time.Millisecond, &stop, &wg, 20*time.Second)
	st := barrierWithin(t, &iso, 10*time.Second)
	t.Logf("%+v", st)
	if n := bad.Load(); n > 0 {
		t.Errorf("%d reads of a freed object", n)
	}
}
