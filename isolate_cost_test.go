package isolate

// Tests of what members and isolations cost, in allocations and in
// processor time, with bounds (the benchmarks, which only measure, are in
// bench_*_test.go; Do's allocations are in isolate_do_test.go):
//
//   - TestAllocs: zero allocations per scope and Poll, and one per
//     isolation, when nothing has to wait, with other members present in
//     harmless (or, for full isolations, idle) scopes. testing.AllocsPerRun
//     makes one warm-up call first: the end funcs and the request are
//     created once per member state (and depth) and reused (a wait that
//     parks keeps its channel outside synctest bubbles, but nothing here
//     waits). An isolation's release func is made for it, bound to it
//     alone: the one allocation, which Member.IsolateScope's Scope, a
//     value, does not make.
//   - TestWaitingBurnsLittleCPU: the waiting that isolation causes must not
//     burn processor time (HAProxy's waiters spin with sched_yield and burn
//     a core each). It measures the process's processor time across a
//     300 ms wait; BenchmarkWaitCPU (bench_test.go) reports the same.

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/isolatekit/isolate/internal/cputime"
	"github.com/stretchr/testify/assert"
)

type allocCase struct {
	name string
	f    func()
	// isolations is the number of isolations f makes: one allocation each.
	isolations float64
}

func TestAllocs(t *testing.T) {
	var iso Isolator
	// Others, each on its own goroutine, in a harmless scope.
	const others = 3
	actors := make([]*actor, others)
	members := make([]Member, others)
	ends := make([]Scope, others)
	park := func(idle bool) {
		for i, a := range actors {
			a.do(t, "park", func() {
				if ends[i] != (Scope{}) {
					ends[i].End()
				}
				if idle {
					ends[i] = members[i].Idle()
				} else {
					ends[i] = members[i].Harmless()
				}
			})
		}
	}
	for i := range actors {
		actors[i] = newActor(t)
		members[i] = actors[i].join(t, &iso)
	}
	park(false)

	m := iso.Join()
	bg := context.Background()
	check := func(cases []allocCase) {
		t.Helper()
		for _, c := range cases {
			assert.Equal(t, c.isolations, testing.AllocsPerRun(100, c.f), c.name)
		}
	}
	check([]allocCase{
		{"Harmless and end", func() { m.Harmless().End() }, 0},
		{"Idle and end", func() { m.Idle().End() }, 0},
		{"Harmless in Idle", func() { e := m.Idle(); m.Harmless().End(); e.End() }, 0},
		{"Poll", m.Poll, 0},
		// Join reuses the member state of its slot, and the handle is
		// a value.
		{"Join and Leave", func() { iso.Join().Leave() }, 0},
		{"a request: Join, a Harmless scope, Leave", func() { r := iso.Join(); r.Harmless().End(); r.Leave() }, 0},
		{"member Isolate and release", func() { m.Isolate()() }, 1},
		{"member IsolateContext and release", func() { r, _ := m.IsolateContext(bg); r() }, 1},
		{"member TryIsolate and release", func() { r, _ := m.TryIsolate(); r() }, 1},
		{"member Isolate in own section", func() { r := m.Isolate(); m.Isolate()(); r() }, 2},
		// The Scope form: a value, like the other scopes.
		{"member IsolateScope and End", func() { m.IsolateScope().End() }, 0},
		{"member IsolateScope in own section", func() { sc := m.IsolateScope(); m.IsolateScope().End(); sc.End() }, 0},
		{"Harmless and Poll in own section", func() { r := m.Isolate(); m.Harmless().End(); m.Poll(); r() }, 1},
		{"member Isolate from a Harmless scope", func() { e := m.Harmless(); m.Isolate()(); e.End() }, 1},
	})

	// Scopes deeper than the member's initial stack: it grew in the
	// warm-up call and is reused.
	deep := func() {
		var es [6]Scope
		for i := range es {
			es[i] = m.Harmless()
		}
		m.Isolate()()
		for i := len(es) - 1; i >= 0; i-- {
			es[i].End()
		}
	}
	check([]allocCase{{"nested scopes past the initial stack", deep, 1}})

	// Outsiders, while the test goroutine's member is harmless too.
	end := m.Harmless()
	check([]allocCase{
		{"outsider Isolate and release", func() { iso.Isolate()() }, 1},
		{"outsider IsolateContext and release", func() { r, _ := iso.IsolateContext(bg); r() }, 1},
		{"outsider TryIsolate and release", func() { r, _ := iso.TryIsolate(); r() }, 1},
	})
	end.End()

	// Full isolations, the others idle.
	park(true)
	end = m.Idle()
	check([]allocCase{
		{"outsider IsolateFull and release", func() { iso.IsolateFull()() }, 1},
		{"outsider IsolateFullContext and release", func() { r, _ := iso.IsolateFullContext(bg); r() }, 1},
	})
	end.End()
	check([]allocCase{
		{"member IsolateFull and release", func() { m.IsolateFull()() }, 1},
		{"member IsolateFullContext and release", func() { r, _ := m.IsolateFullContext(bg); r() }, 1},
	})

	m.Leave()
	for i, a := range actors {
		a.do(t, "end and Leave", func() { ends[i].End(); members[i].Leave() })
	}
}

const cpuWait = 300 * time.Millisecond

// cpuShare runs f and returns the processor time it used, as a share of
// one core over the wall-clock time it took.
func cpuShare(t testing.TB, f func()) float64 {
	before, ok := cputime.Process()
	if !ok {
		t.Skip("no processor time on this system")
	}
	start := time.Now()
	f()
	wall := time.Since(start)
	after, _ := cputime.Process()
	return float64(after-before) / float64(wall)
}

// membersWaitOutIsolation: 8 members end their harmless scopes while an
// outsider is isolated for cpuWait.
func membersWaitOutIsolation(t testing.TB) float64 {
	var iso Isolator
	var joined, started sync.WaitGroup
	ends := make(chan func())
	joined.Add(8)
	started.Add(8)
	var done sync.WaitGroup
	for range 8 {
		done.Add(1)
		go func() {
			defer done.Done()
			m := iso.Join()
			end := m.Harmless()
			joined.Done()
			<-ends
			started.Done()
			end.End() // held for the isolation
			m.Leave()
		}()
	}
	joined.Wait()
	release := iso.Isolate()
	return cpuShare(t, func() {
		close(ends)
		started.Wait()
		time.Sleep(cpuWait)
		release()
		done.Wait()
	})
}

// isolatorWaitsForMember: an outsider waits cpuWait for a running member.
func isolatorWaitsForMember(t testing.TB) float64 {
	var iso Isolator
	m := iso.Join()
	granted := make(chan func())
	return cpuShare(t, func() {
		go func() { granted <- iso.Isolate() }()
		time.Sleep(cpuWait) // the member runs (sleeps without a harmless scope)
		m.Leave()
		(<-granted)()
	})
}

func TestWaitingBurnsLittleCPU(t *testing.T) {
	if testing.Short() {
		t.Skip("measures 300 ms waits")
	}
	// The target is 5% of one core; the test allows for the runtime's own
	// work on a shared machine and fails only on spinning (near 100%).
	for _, c := range []struct {
		name string
		run  func(testing.TB) float64
	}{
		{"8 members wait out a 300ms isolation", membersWaitOutIsolation},
		{"an isolator waits 300ms for a running member", isolatorWaitsForMember},
	} {
		share := c.run(t)
		t.Logf("%s: %.1f%% of one core", c.name, 100*share)
		if share > 0.25 {
			t.Errorf("%s: burned %.0f%% of one core; the target is 5%%", c.name, 100*share)
		}
	}
}
