package isolate

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// Adversarial review of grace periods (branch grace-review).

// TestReviewDeferMergesOlderSnapshot: Defer takes its snapshot without
// graceState.mu and merges under it, assuming that its snapshot is newer
// than the last batch's. Two concurrent Defers break that: D1 snapshots
// while member M is idle (M not in S1), M starts running and picks up
// the object that D2 then retires, D2 snapshots (M in S2) and appends a
// batch with S2; D1 then takes mu, finds covers(S2, S1) true (S1 is a
// subset of S2) and replaces the batch's pend by S1, which lacks M: D2's
// func runs without waiting for M, which still runs. A use after free.
//
// The interleaving is forced by holding graceState.mu while D1 is
// between its snapshot and its merge (D1 took g.spare: it is past its
// first critical section), then letting D2 (this goroutine) barge in
// while it has the only processor.
func TestReviewDeferMergesOlderSnapshot(t *testing.T) {
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
		mz.Idle()() // one idle instant
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
		tailEnds[i] = tail[i].Harmless()
	}
	iso.Defer(func() {}) // batch 0: waits for Z
	for iso.Stats().Synchronizing == 0 {
		time.Sleep(10 * time.Microsecond)
	}
	g.mu.Lock()
	g.spare = make([]awaiting, 0, 4) // Defer takes it in its first section
	g.mu.Unlock()

	d1 := make(chan struct{})
	go func() {
		defer close(d1)
		iso.Defer(func() {}) // D1: its snapshot sees M idle
	}()
	for {
		g.mu.Lock()
		if g.spare == nil {
			break // D1 is past its first section: hold mu
		}
		g.mu.Unlock()
		runtime.Gosched()
	}
	time.Sleep(200 * time.Microsecond) // D1 snapshots, then waits for mu
	// One processor from here until D2 is queued: D1, woken by the
	// Unlock below, cannot run before this goroutine blocks.
	procs := runtime.GOMAXPROCS(1)
	endIdle() // M runs, and takes a reference to obj
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
		tail[i].Idle()()
	}
	select {
	case <-ran:
	case <-time.After(50 * time.Millisecond):
	}
	bug = ranWhileHolding.Load()
	holding.Store(false)
	m.Idle()() // M drops obj: D2's func may run now
	<-ran
	close(zDone)
	m.Leave()
	for _, mt := range tail {
		mt.Leave()
	}
	for iso.Stats().DeferredPending > 0 {
		time.Sleep(time.Millisecond)
	}
	return bug
}
