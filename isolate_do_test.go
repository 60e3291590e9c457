package isolate

// Tests of Do (combine.go), members' and outsiders': the order of the
// sections, batches that share an isolation, how the waiting caller waits,
// Do inside one's own isolation, panics and runtime.Goexit in sections,
// misuse, stress under load, and allocations. Do's stall report is in
// diag_stall_test.go, its benchmark in bench_combine_test.go.
//
// The focused ones queue sections behind a running member, which keeps the
// first caller's isolation waiting, so that the queue is known when the
// member lets it in.

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// doCall is one Do call on a goroutine of its own: ran is set by its
// section, returned after Do returned (and saw ran set then).
type doCall struct {
	*op
	ran, returned, sawRan atomic.Bool
}

// doer runs Do calls on their own goroutines (outsiders) or on actors
// (members), each blocked until every goroutine of the bubble is: so that
// the calls queue in the order they are started.
type doer struct {
	t   *testing.T
	iso *Isolator
}

// outsider starts iso.Do(f) on a goroutine of its own, after the calls
// started before it have queued.
func (d doer) outsider(f func()) *doCall {
	c := &doCall{}
	c.op = goOp(func() {
		d.iso.Do(func() { f(); c.ran.Store(true) })
		c.sawRan.Store(c.ran.Load())
		c.returned.Store(true)
	})
	synctest.Wait()
	return c
}

// member starts m.Do(f) on the actor a, whose member m is, then m.Leave()
// (a member left running would keep the next isolations waiting).
func (d doer) member(a *actor, m Member, f func()) *doCall {
	c := &doCall{}
	c.op = a.start(func() {
		defer m.Leave()
		m.Do(func() { f(); c.ran.Store(true) })
		c.sawRan.Store(c.ran.Load())
		c.returned.Store(true)
	})
	synctest.Wait()
	return c
}

// blocker joins a member on an actor: it runs, so that no isolation is
// granted until let is called, which ends its membership.
func blocker(t *testing.T, iso *Isolator) (let func()) {
	a := newActor(t)
	m := a.join(t, iso)
	return func() { a.do(t, "blocker's Leave", m.Leave) }
}

// Sections of outsiders and members run in the order of their Do calls,
// in one isolation; each caller returns after its own section ran.
func TestDoArrivalOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		let := blocker(t, &iso)
		d := doer{t, &iso}
		// Members join first: Join waits while an isolation is requested.
		actors := make([]*actor, 12)
		ms := make([]Member, 12)
		for i := 1; i < 12; i += 2 {
			actors[i] = newActor(t)
			ms[i] = actors[i].join(t, &iso)
		}
		var order []int
		var calls []*doCall
		for i := range 12 {
			add := func() { order = append(order, i) }
			if i%2 == 0 {
				calls = append(calls, d.outsider(add))
			} else {
				calls = append(calls, d.member(actors[i], ms[i], add))
			}
		}
		for _, c := range calls {
			c.blocked(t, "Do behind a running member")
		}
		before := iso.Stats().Isolations
		let()
		for i, c := range calls {
			c.wait(t, "Do")
			assert.True(t, c.returned.Load(), "call %d returned", i)
			assert.True(t, c.sawRan.Load(), "call %d returned after its section ran", i)
		}
		assert.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, order)
		assert.Equal(t, uint64(1), iso.Stats().Isolations-before, "isolations for the 12 sections")
	})
}

// Sections queued while an isolation waits share it: a crowd of n queued
// sections is one batch, run in order in one isolation (the bound on an
// isolation's sections, maxCombined, stops the combiner between batches).
func TestDoSharesIsolations(t *testing.T) {
	for _, n := range []int{1, 10, maxCombined + 1, 2*maxCombined + 5} {
		synctest.Test(t, func(t *testing.T) {
			var iso Isolator
			let := blocker(t, &iso)
			d := doer{t, &iso}
			var order []int
			calls := make([]*doCall, n)
			for i := range calls {
				calls[i] = d.outsider(func() { order = append(order, i) })
			}
			before := iso.Stats().Isolations
			let()
			for _, c := range calls {
				c.wait(t, "Do")
				assert.True(t, c.sawRan.Load())
			}
			want := make([]int, n)
			for i := range want {
				want[i] = i
			}
			assert.Equal(t, want, order)
			assert.Equal(t, uint64(1), iso.Stats().Isolations-before,
				"isolations for %d queued sections", n)
			isolatesAtOnce(t, &iso, "after the sections")
		})
	}
}

// A member waits for its section harmless: its section runs on the
// combiner's goroutine while it waits, and an outsider's isolation may run
// meanwhile too.
func TestDoMemberWaitsHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		let := blocker(t, &iso)
		d := doer{t, &iso}
		a := newActor(t)
		m := a.join(t, &iso)
		first := d.outsider(func() {})
		mc := d.member(a, m, func() {})
		mc.blocked(t, "member's Do behind a running member")
		let()
		first.wait(t, "first Do")
		mc.wait(t, "member's Do")
		assert.True(t, mc.sawRan.Load())
		m = a.join(t, &iso)
		// Inside a harmless and an idle scope: back in it afterwards.
		for _, s := range []struct {
			open    func(Member) Scope
			isolate func() func()
		}{{Member.Harmless, iso.Isolate}, {Member.Idle, iso.IsolateFull}} {
			var sc Scope
			a.do(t, "open scope", func() { sc = s.open(m) })
			a.do(t, "Do inside the scope", func() { m.Do(func() {}) })
			var rel func()
			isolateOp(s.isolate, &rel).wait(t, "isolation while the member is in its scope")
			e := a.start(sc.End)
			e.blocked(t, "scope end during the isolation")
			rel()
			e.wait(t, "scope end")
		}
		a.do(t, "Leave", m.Leave)
	})
}

// Inside its own isolated section, a member's Do calls f at once, on the
// member's goroutine.
func TestDoInsideOwnIsolation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var isolated bool
		var v any
		a.do(t, "Do inside Isolate", func() {
			release := m.Isolate()
			m.Do(func() { isolated = m.Isolated() })
			v = panicOf(func() { m.Do(func() { panic("own") }) })
			release()
		})
		assert.True(t, isolated)
		assert.Equal(t, "own", v)
		a.do(t, "Leave", m.Leave)
	})
}

// A panic in a section reaches its own caller, with its value; the other
// sections of the batch run, and the isolation is released.
func TestDoPanic(t *testing.T) {
	for _, panicking := range []int{0, 1, 2} { // the combiner's, a middle one, the last
		synctest.Test(t, func(t *testing.T) {
			var iso Isolator
			let := blocker(t, &iso)
			d := doer{t, &iso}
			a := newActor(t)
			m := a.join(t, &iso)
			var calls []*doCall
			for i := range 3 {
				f := func() {}
				if i == panicking {
					f = func() { panic(i) }
				}
				if i == 1 {
					calls = append(calls, d.member(a, m, f))
				} else {
					calls = append(calls, d.outsider(f))
				}
			}
			let()
			for i, c := range calls {
				<-c.done
				if i == panicking {
					assert.Equal(t, i, c.panicked, "call %d", i)
					assert.False(t, c.ran.Load() || c.returned.Load(), "call %d", i)
				} else {
					assert.Nil(t, c.panicked, "call %d", i)
					assert.True(t, c.returned.Load() && c.sawRan.Load(), "call %d", i)
				}
			}
			isolatesAtOnce(t, &iso, "after a section panicked")
		})
	}
}

// A section that calls runtime.Goexit ends its caller's goroutine as if it
// had run there; the goroutine that ran it (the combiner) exits too, after
// its isolation is released and the rest of the queue is handed on.
func TestDoGoexit(t *testing.T) {
	for _, exiting := range []int{0, 1, 3} { // the combiner's own section, another's, the last
		synctest.Test(t, func(t *testing.T) {
			var iso Isolator
			let := blocker(t, &iso)
			d := doer{t, &iso}
			var calls []*doCall
			for i := range 4 {
				f := func() {}
				if i == exiting {
					f = runtime.Goexit
				}
				calls = append(calls, d.outsider(f))
			}
			let()
			for i, c := range calls {
				<-c.done
				assert.Nil(t, c.panicked, "call %d", i)
				switch {
				case i == exiting:
					assert.False(t, c.returned.Load(), "call %d returned, want its goroutine ended", i)
				case i == 0:
					// the combiner ran the exiting section: gone too
					assert.False(t, c.returned.Load(), "combiner returned")
					assert.True(t, c.ran.Load())
				default:
					assert.True(t, c.returned.Load() && c.sawRan.Load(), "call %d", i)
				}
			}
			isolatesAtOnce(t, &iso, "after a section called Goexit")
			d.outsider(func() {}).wait(t, "Do after a Goexit")
		})
	}
}

// A member whose goroutine ran another caller's section that called
// runtime.Goexit exits with it (its deferred Leave runs); the member state
// that the next Join reuses works as any.
func TestDoGoexitMemberCombiner(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		// The blocker keeps its slot (it goes harmless), so that the
		// next Join takes the combiner's, and its member state.
		ba := newActor(t)
		bm := ba.join(t, &iso)
		var bsc Scope
		let := func() { ba.do(t, "blocker's Harmless", func() { bsc = bm.Harmless() }) }
		defer ba.do(t, "blocker's end and Leave", func() { bsc.End(); bm.Leave() })
		var returned atomic.Bool
		combiner := goOp(func() {
			m := iso.Join()
			defer m.Leave()
			m.Do(func() {})
			returned.Store(true)
		})
		synctest.Wait()
		d := doer{t, &iso}
		exiting := d.outsider(runtime.Goexit)
		after := d.outsider(func() {})
		let()
		<-combiner.done
		<-exiting.done
		after.wait(t, "the Do after the exiting one")
		assert.False(t, returned.Load(), "the combiner's Do returned")
		assert.False(t, exiting.returned.Load())
		goOp(func() {
			m := iso.Join()
			defer m.Leave()
			m.Do(func() {})
		}).wait(t, "Do of the next member")
	})
}

// Misuse panics before anything changes: a nil func, and a section that
// calls its own caller's member's Do (it runs on the combiner's goroutine).
func TestDoMisuse(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		assert.PanicsWithValue(t, "isolate: Do with a nil func", func() { iso.Do(nil) })
		a := newActor(t)
		m := a.join(t, &iso)
		a.do(t, "Do(nil)", func() {
			assert.PanicsWithValue(t, "isolate: Do with a nil func", func() { m.Do(nil) })
		})
		let := blocker(t, &iso)
		d := doer{t, &iso}
		first := d.outsider(func() {})
		c := d.member(a, m, func() { m.Do(func() {}) })
		let()
		first.wait(t, "combiner's Do")
		<-c.done
		assert.Equal(t, "isolate: Do inside a section of the same member (a section must not use a Member)", c.panicked)
		m = a.join(t, &iso)
		a.do(t, "Do after the misuse", func() { m.Do(func() {}) })
		a.do(t, "Leave", m.Leave)
		isolatesAtOnce(t, &iso)
	})
}

// No member runs while a section does: members check a flag that sections
// set, and sections a count of running members; the race detector checks
// the shared map. Members and outsiders, scopes and isolations mixed.
func TestDoExclusionStress(t *testing.T) {
	var iso Isolator
	table := map[int]int{}
	var running, inSection, violations atomic.Int64
	const members, outsiders = 6, 2
	iters := 2000
	if testing.Short() {
		iters = 200
	}
	section := func(k int) func() {
		return func() {
			if inSection.Add(1) != 1 || running.Load() != 0 {
				violations.Add(1)
			}
			table[k]++
			inSection.Add(-1)
		}
	}
	var wg sync.WaitGroup
	for g := range members {
		wg.Go(func() {
			m := iso.Join()
			defer m.Leave()
			for i := range iters {
				running.Add(1)
				_ = table[i%7] // a read while running
				if i%3 == 0 {
					runtime.Gosched() // running, off the processor
				}
				if inSection.Load() != 0 {
					violations.Add(1)
				}
				running.Add(-1)
				switch i % 5 {
				case 0:
					sc := m.Harmless()
					m.Do(section(g))
					sc.End()
				case 1:
					release := m.Isolate()
					m.Do(section(g))
					release()
				case 2:
					sc := m.Idle()
					m.Do(section(g))
					sc.End()
				default:
					m.Do(section(g))
				}
			}
		})
	}
	for g := range outsiders {
		wg.Go(func() {
			for i := range iters {
				if i%50 == 0 {
					release := iso.Isolate()
					table[members+g]++
					release()
					continue
				}
				iso.Do(section(members + g))
			}
		})
	}
	wg.Wait()
	assert.Zero(t, violations.Load())
	total := 0
	for _, n := range table {
		total += n
	}
	assert.Equal(t, (members+outsiders)*iters, total)
	isolatesAtOnce(t, &iso)
}

// Panics under load reach their callers and nothing else.
func TestDoPanicStress(t *testing.T) {
	var iso Isolator
	var ran, caught atomic.Int64
	var wg sync.WaitGroup
	const goroutines, iters = 8, 300
	for g := range goroutines {
		wg.Go(func() {
			var m Member
			if g%2 == 0 {
				m = iso.Join()
				defer m.Leave()
			}
			do := iso.Do
			if g%2 == 0 {
				do = m.Do
			}
			for i := range iters {
				v := panicOf(func() {
					do(func() {
						ran.Add(1)
						if i%3 == 0 {
							panic(g*iters + i)
						}
					})
				})
				if i%3 == 0 && v == g*iters+i {
					caught.Add(1)
				} else if v != nil {
					caught.Add(-1000000) // a panic that is not ours
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int64(goroutines*iters), ran.Load())
	assert.Equal(t, int64(goroutines*((iters+2)/3)), caught.Load())
}

// Do allocates nothing in steady state, from a member or an outsider,
// with other members harmless.
func TestDoAllocs(t *testing.T) {
	var iso Isolator
	stop := parkHarmless(t, &iso, 3)
	defer stop()
	var n int
	m := iso.Join()
	defer m.Leave()
	f := func() { n++ }
	require.Zero(t, testing.AllocsPerRun(100, func() { m.Do(f) }), "Member.Do")
	sc := m.Harmless() // iso.Do from a running member would wait for it
	require.Zero(t, testing.AllocsPerRun(100, func() { iso.Do(f) }), "Isolator.Do")
	sc.End()
}
