package isolate

// Tests of isolation, plain, by members and by outsiders: exclusion (no
// member runs during a section, one isolation at a time), release funcs
// (what a release restores, stale releases, a panic in a section), Isolate
// nested in the member's own section, and the happens-before edges of
// sections. Focused tests, as helpers_test.go describes.
//
// Elsewhere: arrival order and phase fairness in isolate_fair_test.go,
// IsolateFull in isolate_full_test.go, the ...Context forms in
// isolate_context_test.go, TryIsolate and Isolated in isolate_try_test.go,
// Do in isolate_do_test.go, allocations and processor time in
// isolate_cost_test.go; scopes inside one's own section in scope_test.go,
// Join and Leave against isolations in member_test.go.

import (
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// A member cannot end a harmless scope while someone else is isolated,
// outsider or member, and no isolation begins while a member runs.
func TestMembersDoNotRunDuringIsolation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)

		var relOut func()
		out := isolateOp(iso.Isolate, &relOut)
		out.blocked(t, "outsider isolation while two members run")
		var end1, end2 func()
		a.do(t, "m1 Harmless", func() { end1 = m1.Harmless().End })
		out.blocked(t, "outsider isolation while one member runs")
		b.do(t, "m2 Harmless", func() { end2 = m2.Harmless().End })
		out.wait(t, "outsider isolation once every member is harmless")

		e1 := a.start(end1)
		e1.blocked(t, "m1 ending its harmless scope during an outsider's isolation")
		relOut()
		e1.wait(t, "m1 ending its harmless scope after the release")

		// Now m1 isolates itself: m2 may not end its harmless scope.
		var rel1 func()
		a.do(t, "m1 Isolate", func() { rel1 = m1.Isolate() })
		e2 := b.start(end2)
		e2.blocked(t, "m2 ending its harmless scope during m1's isolation")
		a.do(t, "m1 release", rel1)
		e2.wait(t, "m2 ending its harmless scope after m1's release")

		a.do(t, "m1 Leave", m1.Leave)
		b.do(t, "m2 Leave", m2.Leave)
	})
}

// At most one goroutine is isolated at a time, whoever asks.
func TestOneIsolationAtATime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)
		var end1, end2 func()
		a.do(t, "m1 Harmless", func() { end1 = m1.Harmless().End })
		b.do(t, "m2 Harmless", func() { end2 = m2.Harmless().End })

		// Two outsiders.
		var relA, relB func()
		isolateOp(iso.Isolate, &relA).wait(t, "outsider A")
		ob := isolateOp(iso.Isolate, &relB)
		ob.blocked(t, "outsider B while A is isolated")
		relA()
		ob.wait(t, "outsider B after A's release")

		// A member behind an outsider, an outsider behind a member, and a
		// member behind a member (both asking from harmless scopes).
		var rel1, rel2 func()
		i1 := a.start(func() { rel1 = m1.Isolate() })
		i1.blocked(t, "member m1 while outsider B is isolated")
		relB()
		i1.wait(t, "member m1 after B's release")
		oc := isolateOp(iso.Isolate, &relA)
		oc.blocked(t, "outsider while member m1 is isolated")
		i2 := b.start(func() { rel2 = m2.Isolate() })
		waitQueued(t, &iso, 2, 0)
		i2.blocked(t, "member m2 while member m1 is isolated")
		a.do(t, "m1 release", rel1)
		oc.wait(t, "outsider after m1's release (first in line)")
		i2.blocked(t, "member m2 while the outsider is isolated")
		relA()
		i2.wait(t, "member m2 after the outsider's release")
		b.do(t, "m2 release", rel2)

		a.do(t, "m1 end", end1)
		b.do(t, "m2 end", end2)
		a.do(t, "m1 Leave", m1.Leave)
		b.do(t, "m2 Leave", m2.Leave)
	})
}

// Release puts a member that isolated while running back to running:
// the next isolation, queued during the section or asked after it, waits
// for it (HAProxy 8fc707390: the next winner must not proceed while the
// previous owner still runs), and release does not wait for it.
func TestReleaseRestoresRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel, relB, end func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		a.do(t, "release with a request pending (must not wait for it)", rel)
		ob.blocked(t, "the next isolator while the previous owner runs on (HAProxy 8fc707390)")
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		ob.wait(t, "the next isolator once the previous owner is harmless")
		relB()
		a.do(t, "end", end)

		// Asked after the release.
		a.do(t, "Isolate and release", func() { m.Isolate()() })
		ob = isolateOp(iso.Isolate, &relB)
		ob.blocked(t, "an isolation after the member's release, while it runs")
		a.do(t, "Leave", m.Leave)
		ob.wait(t, "the isolation once the member left")
		relB()
	})
}

// HAProxy a9c0252b2. The seed's release waited, harmless, for the other
// requests and then returned still marked harmless, so a third party could
// isolate while the releaser ran. Here: m isolates, B queues, m releases,
// B runs while m is harmless, m returns to running; then C must wait for m.
func TestReleaserNotLeftHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel, relB, relC, end func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		a.do(t, "release", rel)
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		ob.wait(t, "B")
		e := a.start(end)
		waitHeld(t, &iso, 1)
		relB()
		e.wait(t, "m's harmless end after B's release")

		oc := isolateOp(iso.Isolate, &relC)
		oc.blocked(t, "third party C while the releaser runs (HAProxy a9c0252b2)")
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		oc.wait(t, "C once m is harmless")
		relC()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// A member that isolated from inside a harmless scope is harmless again
// after release: a new isolation proceeds while it stays in that scope.
func TestReleaseRestoresHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end func()
		a.do(t, "Harmless, Isolate, release", func() {
			end = m.Harmless().End
			m.Isolate()()
		})
		a.endWaitsOut(t, iso.Isolate, end, "the releaser stays harmless")

		// The same from inside an idle scope: a full isolation proceeds.
		a.do(t, "Idle, IsolateFull, release", func() {
			end = m.Idle().End
			m.IsolateFull()()
		})
		a.endWaitsOut(t, iso.IsolateFull, end, "the releaser stays idle")
		a.do(t, "Leave", m.Leave)
	})
}

// Isolate nests inside the member's own isolation without waiting, and
// the inner release keeps the section.
func TestIsolateNestsInOwnSection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var outer, rel func()
		a.do(t, "Isolate", func() { outer = m.Isolate() })
		ob := isolateOp(iso.Isolate, &rel)
		waitQueued(t, &iso, 1, 0)
		a.do(t, "nested Isolate and TryIsolate", func() {
			inner := m.Isolate()
			assert.True(t, m.Isolated())
			r, ok := m.TryIsolate()
			assert.True(t, ok, "TryIsolate inside own section")
			r()
			inner()
			assert.True(t, m.Isolated(), "after the inner release")
		})
		ob.blocked(t, "outsider while the outer isolation holds")
		a.do(t, "outer release, Harmless", func() {
			outer()
			assert.False(t, m.Isolated())
			outer = m.Harmless().End
		})
		ob.wait(t, "outsider after the outer release")
		rel()

		// Full inside own full.
		a.do(t, "IsolateFull in IsolateFull, Isolate in it", func() {
			outer()
			r := m.IsolateFull()
			m.IsolateFull()()
			m.Isolate()()
			assert.True(t, m.Isolated())
			r()
			m.Leave()
		})
	})
}

// A panic inside `defer ....Isolate()()` releases the isolation.
func TestPanicInSectionReleases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })

		p := panicOf(func() {
			defer iso.Isolate()()
			panic("boom")
		})
		assert.Equal(t, "boom", p)
		isolatesAtOnce(t, &iso, "outsider's isolation released by the panic")

		a.do(t, "member panics in its section", func() {
			end()
			p = panicOf(func() {
				defer m.Isolate()()
				defer m.Harmless().End()
				panic("boom")
			})
			assert.False(t, m.Isolated())
			end = m.Harmless().End
		})
		assert.Equal(t, "boom", p)
		isolatesAtOnce(t, &iso, "member's isolation released by the panic")
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}

// A stale release, called while another goroutine holds a newer isolation
// (it may even reuse the same request object), panics and leaves that
// isolation in place: a third goroutine still cannot isolate.
func TestStaleReleaseLeavesTheHolderIsolated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m := a.join(t, &iso)
		var endM func()
		a.do(t, "Harmless", func() { endM = m.Harmless().End })

		stale := iso.Isolate()
		stale()
		var holder func()
		b.do(t, "another outsider isolates", func() { holder = iso.Isolate() })
		p := panicOf(stale)
		require.NotNil(t, p, "a stale outsider release did not panic")
		assert.Contains(t, p, msgNotHeld)
		_, ok := iso.TryIsolate()
		assert.False(t, ok, "TryIsolate succeeded while the other outsider holds its isolation")
		assert.True(t, granted(&iso))
		b.do(t, "release", holder)

		// A member's stale release, while the member holds a newer
		// isolation.
		var staleM func()
		a.do(t, "end, isolate, release, isolate again", func() {
			endM()
			staleM = m.Isolate()
			staleM()
			holder = m.Isolate()
		})
		a.do(t, "stale release", func() {
			p := panicOf(staleM)
			assert.Contains(t, p, msgReleaseTwice)
			assert.True(t, m.Isolated(), "a stale release ended the member's isolation")
		})
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "TryIsolate succeeded while the member is isolated")
		a.do(t, "release and Leave", func() { holder(); m.Leave() })
		isolatesAtOnce(t, &iso)
	})
}

// The memory model's first rule, for the race detector: sections of
// different goroutines, each ending with a release, write plain data that
// the next section reads, with no other synchronization between them.
func TestReleaseHappensBeforeNextIsolation(t *testing.T) {
	var iso Isolator
	var counter int // plain: touched only in isolated sections
	m := iso.Join()
	defer m.Leave()
	end := m.Idle()
	done := make(chan struct{})
	const rounds = 200
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range rounds {
				var release func()
				if (g+i)%2 == 0 {
					release = iso.IsolateFull()
				} else {
					release = iso.Isolate()
				}
				counter++
				release()
			}
		}()
	}
	for range 4 {
		<-done
	}
	end.End()
	defer m.Isolate()()
	assert.Equal(t, 4*rounds, counter)
}

// Happens-before, as the race detector sees it. Plain data written in
// isolated sections is read by members after their harmless ends; plain
// data written by members before they become harmless is read in isolated
// sections. Any missing edge is a reported race under -race.
func TestHappensBeforeBetweenSectionsAndMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		const members = 4
		iterations := 2000 // per member
		if testing.Short() {
			iterations = 500
		}
		var shared [4]int     // written in sections, read by running members
		var own [members]int  // each written by its member while running
		var seen [members]int // written in sections: what they saw of own
		write := func() {
			for i := range own {
				if own[i] < seen[i] {
					t.Errorf("member %d's counter went back: %d < %d", i, own[i], seen[i])
				}
				seen[i] = own[i]
			}
			shared[0]++
			for j := 1; j < len(shared); j++ {
				shared[j] = shared[0]
			}
		}
		var finished atomic.Int32
		var g errgroup.Group
		for i := range members {
			g.Go(func() error {
				defer finished.Add(1)
				m := iso.Join()
				defer m.Leave()
				for k := range iterations {
					own[i]++
					for j := range shared {
						if shared[j] != shared[0] {
							return errors.New("torn shared data seen by a running member")
						}
					}
					switch k % 3 {
					case 0:
						m.Harmless().End()
					case 1:
						m.Idle().End()
					case 2:
						m.Poll()
					}
					if k%10 == 0 {
						rel := m.Isolate()
						write()
						rel()
					}
				}
				return nil
			})
		}
		sections := 0
		for ; finished.Load() < members; sections++ {
			var rel func()
			if sections%4 == 3 {
				rel = iso.IsolateFull()
			} else {
				rel = iso.Isolate()
			}
			write()
			rel()
		}
		require.NoError(t, g.Wait())
		t.Logf("%d outsider sections", sections)
	})
}

// A member that the gate holds as it ends a scope goes back to its mode
// before it waits for the Isolator's lock (admitOrHold): while it waits,
// its word says idle, with one more idle entry, not running, so that no
// scan waits for a member that only waits for a lock. Under the lock it is
// held if the gate still holds it ("held"), or runs on if the isolation
// ended while it waited ("let go"). Not in a bubble: a goroutine blocked on
// a sync.Mutex is not durably blocked. The test polls the word until the
// swap back shows (eventually): no time is assumed, the timeout only ends
// a test in which the member never goes back.
func TestScopeEndGoesBackBeforeTheLock(t *testing.T) {
	for _, letGo := range []bool{false, true} {
		t.Run(map[bool]string{false: "held", true: "let go"}[letGo], func(t *testing.T) {
			var iso Isolator
			a := newActor(t)
			m := a.join(t, &iso)
			var end func()
			a.do(t, "Idle", func() { end = m.Idle().End })
			release := iso.Isolate() // at once: the member is idle
			word := m.mb.word
			before := word.load()
			require.Equal(t, modeIdle, before.mode())

			iso.mu.Lock()
			locked := true
			defer func() {
				if locked { // the test failed: let the member go
					iso.mu.Unlock()
					release()
				}
			}()
			e := a.start(end)
			eventually(t, func() bool { return word.load().count() != before.count() },
				"the member's swap back to idle, before it takes the lock")
			back := word.load()
			assert.Equal(t, modeIdle, back.mode(), "the word of a member that waits for the lock")
			assert.Equal(t, before.count().next(), back.count(), "the swap back is one idle entry")
			if letGo {
				// The release, as releaseOutsider makes it, under the
				// lock the test holds: the gate lets go before the
				// member gets the lock.
				req := iso.owner
				iso.releaseLocked(req)
				iso.freeRequests.keep(req)
			}
			locked = false
			iso.mu.Unlock()
			if letGo {
				e.wait(t, "the scope end, the isolation released before it took the lock")
			} else {
				waitHeld(t, &iso, 1)
				assert.Equal(t, back.mode(), word.load().mode(), "the hold does not write the word")
				assert.False(t, e.finished(), "the scope end during the isolation")
				release()
				e.wait(t, "the scope end after the release")
			}
			now := word.load()
			assert.Equal(t, modeRunning, now.mode(), "the member runs")
			assert.Equal(t, back.count(), now.count(), "no other idle entry")
			a.do(t, "Leave", m.Leave)
		})
	}
}
