package isolate

// Torture tests of grace periods through the public API: RCU readers and
// writers (Synchronize, SynchronizeContext, Defer, full isolations) with
// members that isolate from idle scopes, churn by the thousand, leave and
// join again. The race detector and the checks say whether two sections
// overlapped or a member used a retired object. A stress test of one grace
// behaviour goes in its grace_ file (TestSynchronizeAbandonStorm,
// TestBarrierStorm, TestDeferOrderEverywhere).

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// stormObj is an RCU object: members read val while running; the writer sets
// it to -1 (a plain write) once a grace period or a full isolation says no
// member holds it. The race detector is the oracle, with the -1 check.
type stormObj struct{ val int }

type stormWorld struct {
	iso     Isolator
	data    int // written in sections (plain), read by running members
	inSec   atomic.Int32
	rcu     atomic.Pointer[stormObj]
	full    *stormObj // replaced and poisoned in full sections only
	stop    atomic.Bool
	bad     atomic.Int32
	badMsg  atomic.Value
	deferOK atomic.Int64
}

func (sh *stormWorld) fail(msg string) {
	if sh.bad.Add(1) == 1 {
		sh.badMsg.Store(msg)
	}
}

func (sh *stormWorld) section(full bool) {
	if sh.inSec.Add(1) != 1 {
		sh.fail("two isolated sections at once")
	}
	sh.data++
	if full {
		old := sh.full
		sh.full = &stormObj{val: sh.data}
		old.val = -1
	}
	runtime.Gosched()
	sh.inSec.Add(-1)
}

func stormCtx(rng *rand.Rand) (context.Context, context.CancelFunc) {
	switch rng.IntN(3) {
	case 0:
		return context.WithTimeout(context.Background(), time.Duration(rng.IntN(40))*time.Microsecond)
	case 1:
		ctx, cancel := context.WithCancel(context.Background())
		go func() { runtime.Gosched(); cancel() }()
		return ctx, cancel
	}
	return context.WithTimeout(context.Background(), time.Duration(rng.IntN(2000))*time.Microsecond)
}

// member runs random scopes; ref and fref are what it holds while running.
func (sh *stormWorld) member(seed uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	rng := rand.New(rand.NewPCG(seed, 7))
	m := sh.iso.Join()
	var ref, fref *stormObj
	use := func() {
		_ = sh.data
		if ref != nil && ref.val < 0 {
			sh.fail("member holds an RCU object freed after a grace period")
		}
		if fref != nil && fref.val < 0 {
			sh.fail("member holds an object a full isolation freed")
		}
		if p := sh.rcu.Load(); p != nil {
			if p.val < 0 {
				sh.fail("current RCU object freed")
			}
			ref = p
		}
		fref = sh.full
		_ = fref.val
	}
	isolate := func(full bool, section func()) {
		var release func()
		switch rng.IntN(5) {
		case 0:
			if full {
				release = m.IsolateFull()
			} else {
				release = m.Isolate()
			}
		case 1:
			var ok bool
			if release, ok = m.TryIsolate(); !ok {
				return
			}
			full = false
		default:
			ctx, cancel := stormCtx(rng)
			var err error
			if full {
				release, err = m.IsolateFullContext(ctx)
			} else {
				release, err = m.IsolateContext(ctx)
			}
			cancel()
			if err != nil {
				return
			}
		}
		sh.section(full)
		if section != nil {
			section()
		}
		release()
	}
	for i := 0; !sh.stop.Load(); i++ {
		use()
		switch rng.IntN(10) {
		case 0, 1, 2: // idle scope with an isolation from it
			ref, fref = nil, nil
			end := m.Idle()
			isolate(rng.IntN(2) == 0, func() {
				switch rng.IntN(4) {
				case 0:
					m.Harmless().End()
				case 1:
					m.Idle().End()
				case 2:
					m.Poll()
					m.Isolate()()
				}
			})
			if rng.IntN(8) == 0 {
				sh.iso.Synchronize()
			}
			end.End()
		case 3: // harmless scope with a plain isolation
			end := m.Harmless()
			isolate(false, nil)
			end.End()
		case 4: // from running
			ref, fref = nil, nil // a full request counts as idle
			isolate(rng.IntN(2) == 0, nil)
		case 5:
			m.Poll()
		case 6:
			ref, fref = nil, nil
			end := m.Idle()
			runtime.Gosched()
			end.End()
		case 7:
			if rng.IntN(20) == 0 {
				ref, fref = nil, nil
				m.Leave()
				m = sh.iso.Join()
			}
		default:
			end := m.Harmless()
			runtime.Gosched()
			end.End()
		}
	}
	m.Leave()
}

func (sh *stormWorld) writer(seed uint64, wg *sync.WaitGroup) {
	defer wg.Done()
	rng := rand.New(rand.NewPCG(seed, 9))
	for i := 1; !sh.stop.Load(); i++ {
		old := sh.rcu.Swap(&stormObj{val: i})
		switch rng.IntN(4) {
		case 0:
			sh.iso.Synchronize()
			old.val = -1
		case 1:
			ctx, cancel := stormCtx(rng)
			err := sh.iso.SynchronizeContext(ctx)
			cancel()
			if err == nil {
				old.val = -1
			}
		case 2:
			sh.iso.Defer(func() { old.val = -1; sh.deferOK.Add(1) })
		default:
			release := sh.iso.IsolateFull()
			sh.section(true)
			release()
		}
	}
}

// Members isolate from idle scopes (plain, full, try, with contexts that end
// at random points), nest scopes in their sections, leave and join again,
// while writers retire RCU objects after Synchronize, SynchronizeContext,
// Defer, and in full isolations. The race detector and the checks say
// whether two sections overlapped or a member used a retired object.
func TestIdleIsolationStorm(t *testing.T) {
	sh := &stormWorld{full: &stormObj{}}
	sh.iso.StallAfter = -1
	sh.rcu.Store(&stormObj{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go sh.member(uint64(i), &wg)
	}
	for i := range 2 {
		wg.Add(1)
		go sh.writer(uint64(100+i), &wg)
	}
	stormFor(t, &sh.iso, 1500*time.Millisecond, &sh.stop, &wg, 20*time.Second)
	barrierWithin(t, &sh.iso, 10*time.Second)
	if sh.bad.Load() > 0 {
		t.Fatalf("%d violations, first: %v", sh.bad.Load(), sh.badMsg.Load())
	}
	t.Logf("stats %+v", sh.iso.Stats())
}

// Thousands of members join, read the RCU object, and leave, in waves that
// grow the slot table and let it shrink (groups retired while grace periods
// hold their slots in snapshots), while writers retire objects after
// Synchronize, SynchronizeContext and Defer.
func TestGraceChurn(t *testing.T) {
	var iso Isolator
	iso.StallAfter = -1
	var rcu atomic.Pointer[stormObj]
	rcu.Store(&stormObj{val: 1})
	var stop atomic.Bool
	var bad atomic.Int32
	var wg sync.WaitGroup
	const goroutines = 1500
	for i := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 3))
			for !stop.Load() {
				m := iso.Join()
				for range rng.IntN(4) {
					p := rcu.Load()
					runtime.Gosched()
					if p.val < 0 {
						bad.Add(1)
					}
					if rng.IntN(3) == 0 {
						m.Idle().End()
					} else {
						m.Harmless().End()
					}
				}
				p := rcu.Load()
				if p.val < 0 {
					bad.Add(1)
				}
				m.Leave()
				if rng.IntN(4) == 0 {
					time.Sleep(time.Duration(rng.IntN(500)) * time.Microsecond)
				}
			}
		}()
	}
	var periods atomic.Int64
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			for i := 2; !stop.Load(); i++ {
				old := rcu.Swap(&stormObj{val: i})
				switch rng.IntN(3) {
				case 0:
					iso.Synchronize()
					old.val = -1
				case 1:
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(300))*time.Microsecond)
					if iso.SynchronizeContext(ctx) == nil {
						old.val = -1
					}
					cancel()
				default:
					iso.Defer(func() { old.val = -1 })
				}
				periods.Add(1)
			}
		}()
	}
	stormFor(t, &iso, 1500*time.Millisecond, &stop, &wg, 30*time.Second)
	barrierWithin(t, &iso, 10*time.Second)
	if bad.Load() > 0 {
		t.Fatalf("%d reads of a retired object", bad.Load())
	}
	st := iso.Stats()
	t.Logf("grace periods by writers %d, stats %+v, table groups %d", periods.Load(), st, iso.table.Load().len())
	if st.Members != 0 || st.DeferredPending != 0 || st.Synchronizing != 0 {
		t.Fatalf("left over: %+v", st)
	}
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
