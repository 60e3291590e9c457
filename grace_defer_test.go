package isolate

// Tests of Defer: its funcs run once a grace period that began after their
// Defer call is over, in batches that share one idle entry of each member,
// in Defer order, after the busy scopes they wait for end idle; a
// runtime.Goexit in a func ends that func alone, and a panic crashes.
// Barrier and BarrierContext are in grace_barrier_test.go, Defer under load
// with everything else in torture_grace_test.go.

import (
	"math/rand/v2"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// One idle entry of each member lets every func deferred before it run,
// those deferred while the Isolator's goroutine waits for an earlier batch
// included; a func never waits for a member that joined after its Defer.
func TestDeferBatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		ma := a.join(t, &iso)
		var mu sync.Mutex
		var ran []int
		deferN := func(i int) {
			iso.Defer(func() {
				mu.Lock()
				ran = append(ran, i)
				mu.Unlock()
			})
		}
		got := func() []int {
			synctest.Wait()
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(ran)
		}
		deferN(1)
		synctest.Wait() // the Isolator's goroutine waits for A
		deferN(2)
		deferN(3)
		assert.Empty(t, got(), "deferred funcs ran while A runs")
		mb := b.join(t, &iso) // runs from now on
		deferN(4)
		st := iso.Stats()
		assert.Equal(t, uint64(4), st.Deferred)
		assert.Equal(t, 4, st.DeferredPending)
		a.do(t, "A Idle scope", func() { ma.Idle().End() })
		assert.Equal(t, []int{1, 2, 3}, got(), "one idle entry of A lets 1, 2 and 3 run, not 4")
		st = iso.Stats()
		assert.Equal(t, uint64(2), st.GracePeriods, "1 waited alone, 2 and 3 shared one")
		assert.Equal(t, 1, st.DeferredPending)
		b.do(t, "B Idle scope", func() { mb.Idle().End() })
		assert.Equal(t, []int{1, 2, 3, 4}, got())
		assert.Equal(t, uint64(3), iso.Stats().GracePeriods)

		// With every member idle, a deferred func runs at once; the
		// Isolator's goroutine is gone when the bubble ends.
		var endB func()
		b.do(t, "B Idle", func() { endB = mb.Idle().End })
		a.do(t, "A Leave", ma.Leave)
		deferN(5)
		assert.Equal(t, []int{1, 2, 3, 4, 5}, got())
		b.do(t, "B end", endB)
		b.do(t, "B Leave", mb.Leave)
		assert.Zero(t, iso.Stats().DeferredPending)
		assert.Panics(t, func() { iso.Defer(nil) })
	})
}

// Many funcs deferred while members run all run after one idle instant of
// each member, however the Isolator's goroutine is scheduled meanwhile.
func TestDeferManyShareOneIdleEntry(t *testing.T) {
	var iso Isolator
	const members, funcs = 4, 1000
	var wg sync.WaitGroup
	idle := make([]chan struct{}, members)
	ready := make(chan struct{})
	for i := range members {
		idle[i] = make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			ready <- struct{}{}
			<-idle[i] // runs until told, idle for an instant, runs again
			m.Idle().End()
			<-idle[i]
			m.Leave()
		}()
	}
	for range members {
		<-ready
	}
	var ran sync.WaitGroup
	ran.Add(funcs)
	var n atomic.Int32
	for range funcs {
		iso.Defer(func() { n.Add(1); ran.Done() })
	}
	assert.Zero(t, n.Load(), "a deferred func ran while every member runs")
	for _, c := range idle {
		c <- struct{}{}
	}
	ran.Wait() // would hang if a batch began its grace period after the idle instants
	// The goroutine took a first batch at once, the others joined the
	// second: their snapshots are the same.
	assert.LessOrEqual(t, iso.Stats().GracePeriods, uint64(2))
	for _, c := range idle {
		close(c)
	}
	wg.Wait()
}

// Concurrent Defers: D1 takes its snapshot while member M is idle (M not
// in it), M starts running and picks up the object that D2 then retires,
// D2 takes its snapshot (M in it) and appends a batch with it; D1 then
// takes mu. D1 must not join D2's batch, whose snapshot began after its
// own: D1's snapshot lacks M, and D2's func would run while M still holds
// the object (it did when covers alone decided; now a batch is joined only
// by a snapshot that began after the batch's were installed).
//
// The interleaving is forced by holding graceDomain.mu while D1 is
// between its snapshot and its merge (D1 took g.snapBuf: it is past its
// first critical section), then letting D2 (this goroutine) barge in
// while it has the only processor.
func TestDeferConcurrentSnapshotsDoNotMerge(t *testing.T) {
	bad := 0
	const tries = 20
	for try := range tries {
		if deferMergeOnce(t) {
			bad++
			t.Errorf("try %d: a func deferred while M ran ran before M was idle", try)
			break
		}
	}
	t.Logf("bad merges: %d", bad)
}

const deferMergeTail = 4000

func deferMergeOnce(t *testing.T) (bug bool) {
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
	tail := make([]Member, deferMergeTail)
	tailEnds := make([]func(), deferMergeTail)
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

// A func deferred while a callback member is busy runs only after the
// member's busy scope ends idle; a busy scope opened in a harmless scope
// ends harmless, and the func waits on until an idle entry. Funcs deferred
// while the member is idle do not wait for it.
func TestDeferWaitsForBusy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		var cb Member
		a.do(t, "JoinIdle", func() { cb = iso.JoinIdle() })
		var early atomic.Bool
		iso.Defer(func() { early.Store(true) })
		synctest.Wait()
		if !early.Load() {
			t.Fatal("a func deferred while every member is idle did not run")
		}
		var sc Scope
		a.do(t, "Busy", func() { sc = cb.Busy() })
		var ran atomic.Int32
		iso.Defer(func() { ran.Add(1) })
		synctest.Wait()
		if ran.Load() != 0 {
			t.Fatal("a func deferred while a member is busy ran")
		}
		a.do(t, "End", func() { sc.End() })
		synctest.Wait()
		if ran.Load() != 1 {
			t.Fatal("the deferred func did not run after the busy scope ended idle")
		}

		m := b.join(t, &iso)
		var h, bb Scope
		b.do(t, "Harmless, Busy", func() { h = m.Harmless(); bb = m.Busy() })
		iso.Defer(func() { ran.Add(1) })
		b.do(t, "Busy End", func() { bb.End() })
		synctest.Wait()
		if ran.Load() != 1 {
			t.Fatal("a deferred func ran while the member is back in its harmless scope")
		}
		b.do(t, "Harmless End, Idle", func() { h.End(); m.Idle().End() })
		synctest.Wait()
		if ran.Load() != 2 {
			t.Fatal("the deferred func did not run after an idle entry")
		}
		b.do(t, "Leave", m.Leave)
		a.do(t, "Leave", cb.Leave)
	})
}

// Funcs deferred by one goroutine run in its call order, whether it defers
// from a member's idle scope, its own isolated section (entered from an idle
// scope or running), an outsider's section, or a deferred func; every func
// runs, DeferredPending ends at zero and never reads negative.
func TestDeferOrderEverywhere(t *testing.T) {
	var iso Isolator
	iso.StallAfter = -1
	const n = 6
	var last [n]atomic.Int64
	var bad atomic.Int32
	var ran atomic.Int64
	var deferred atomic.Int64
	mk := func(g int, seq int64) func() {
		return func() {
			if last[g].Load() != seq-1 {
				bad.Add(1)
			}
			last[g].Store(seq)
			ran.Add(1)
		}
	}
	var wg sync.WaitGroup
	var stop atomic.Bool
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 6))
			m := iso.Join()
			defer m.Leave()
			for seq := int64(1); !stop.Load(); seq++ {
				f := mk(g, seq)
				deferred.Add(1)
				switch rng.IntN(5) {
				case 0:
					end := m.Idle()
					iso.Defer(f)
					end.End()
				case 1:
					end := m.Idle()
					release := m.Isolate()
					iso.Defer(f)
					release()
					end.End()
				case 2:
					release := m.Isolate()
					iso.Defer(f)
					release()
				case 3:
					iso.Defer(f) // running: waits for this member's idle entry
					m.Idle().End()
				default:
					end := m.Idle()
					iso.Defer(func() { iso.Defer(f) })
					iso.Barrier() // f is deferred when it returns
					end.End()
				}
				if st := iso.Stats(); st.DeferredPending < 0 {
					bad.Add(1)
				}
			}
		}()
	}
	stormFor(t, &iso, 1500*time.Millisecond, &stop, &wg, 20*time.Second)
	st := barrierWithin(t, &iso, 10*time.Second)
	if bad.Load() > 0 || st.DeferredPending != 0 || ran.Load() != deferred.Load() {
		t.Fatalf("bad %d, ran %d of %d, stats %+v", bad.Load(), ran.Load(), deferred.Load(), st)
	}
}

// A runtime.Goexit in a deferred func (t.FailNow in a test) ends that func
// alone: the funcs deferred after it run, in order, in its batch and in the
// batches after it, and its own deferred calls run. Before, its goroutine
// ended and no deferred func ever ran again.
func TestDeferGoexitStopsNothingElse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		var mu sync.Mutex
		var ran []int
		rec := func(i int) func() {
			return func() {
				mu.Lock()
				ran = append(ran, i)
				mu.Unlock()
			}
		}
		got := func() []int {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(ran)
		}
		a := newActor(t)
		m := a.join(t, &iso) // runs: the funcs wait for its idle entry
		iso.Defer(rec(1))
		iso.Defer(runtime.Goexit)
		iso.Defer(rec(3))
		iso.Defer(func() {
			defer rec(4)()
			runtime.Goexit()
		})
		iso.Defer(rec(5))
		iso.Defer(runtime.Goexit) // the last of its batch
		a.do(t, "A Idle scope", func() { m.Idle().End() })
		iso.Barrier()
		assert.Equal(t, []int{1, 3, 4, 5}, got())

		iso.Defer(runtime.Goexit) // waits for A again: a batch of its own
		iso.Defer(rec(6))
		a.do(t, "A Idle scope", func() { m.Idle().End() })
		iso.Barrier()
		assert.Equal(t, []int{1, 3, 4, 5, 6}, got())
		st := iso.Stats()
		assert.Equal(t, uint64(8), st.Deferred)
		assert.Zero(t, st.DeferredPending, "a func that called Goexit counts as run")
		a.do(t, "Leave", m.Leave)
		iso.Defer(rec(7)) // every member idle: runs at once
		iso.Barrier()
		assert.Equal(t, []int{1, 3, 4, 5, 6, 7}, got())
	})
}

// A panic in a deferred func crashes the program, as a panic in any
// goroutine does (Defer's doc): the test runs itself in a process of its
// own, which must die of the panic.
func TestDeferPanicCrashes(t *testing.T) {
	if os.Getenv("ISOLATE_DEFER_PANIC") == "1" {
		var iso Isolator
		iso.Defer(func() { panic("a deferred func panics") })
		iso.Barrier()
		time.Sleep(time.Minute) // the panic ends the process first
		return
	}
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeferPanicCrashes$")
	cmd.Env = append(os.Environ(), "ISOLATE_DEFER_PANIC=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "the process must die of the panic:\n%s", out)
	assert.Contains(t, string(out), "panic: a deferred func panics")
	assert.Contains(t, string(out), "isolate.(*Isolator).runFunc")
}
