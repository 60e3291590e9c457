package main

import (
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// shortRun runs the workload briefly under impl, with frequent admin
// operations, and checks that it made progress and saw no torn table.
// Under -race, the race detector also checks every implementation's
// happens-before edges: the table is plain data.
func shortRun(t *testing.T, impl string) measurement {
	t.Helper()
	m := runWorkload(params{
		impl:       impl,
		procs:      2,
		members:    6,
		reads:      16,
		adminEvery: 200 * time.Microsecond,
		duration:   300 * time.Millisecond,
	}, nil)
	if m.jobs == 0 || len(m.samples) == 0 {
		t.Errorf("%s: no progress: %d jobs, %d admin operations", impl, m.jobs, len(m.samples))
	}
	return m
}

func TestEveryGuardIsCorrect(t *testing.T) {
	for _, name := range guardNames() {
		t.Run(name, func(t *testing.T) {
			m := shortRun(t, name)
			if m.torn > 0 {
				t.Errorf("%s: %d jobs or dumps saw the table change under them", name, m.torn)
			}
			t.Logf("%s: %d jobs, %d admin operations, p99 %v", name, m.jobs, len(m.samples), summarize(m.samples).P99)
		})
	}
}

// The torn-read check catches a guard that protects nothing.
func TestBrokenGuardIsCaught(t *testing.T) {
	if raceEnabled {
		t.Skip("the broken guard races by design")
	}
	guards = append(guards, implementation{"broken", "no protection",
		func(t *table, _ int) guard { return brokenGuard{t} }})
	defer func() { guards = guards[:len(guards)-1] }()
	// Long reads and frequent changes, so that they overlap.
	m := runWorkload(params{impl: "broken", procs: 2, members: 4, reads: 4096,
		adminEvery: 50 * time.Microsecond, duration: 500 * time.Millisecond}, nil)
	if m.torn == 0 {
		if runtime.NumCPU() < 2 {
			t.Skip("one CPU: reads and changes may never overlap")
		}
		t.Fatal("no torn read seen with a guard that protects nothing")
	}
	t.Logf("%d torn jobs or dumps", m.torn)
}

type brokenGuard struct{ t *table }

func (g brokenGuard) join() member                  { return brokenMember(g) }
func (g brokenGuard) admin(_ bool, op func(*table)) { op(g.t) }

type brokenMember struct{ t *table }

func (brokenMember) next(jobs <-chan job) (job, bool) {
	j, ok := <-jobs
	return j, ok
}
func (m brokenMember) do(j job, k int) (uint64, bool) { return m.t.read(j, k) }
func (brokenMember) leave()                           {}
