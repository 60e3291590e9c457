package main

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// shortParams returns the parameters of a brief run of workload under
// impl, with frequent admin operations and fewer members than by default.
func shortParams(workload, impl, wait string) params {
	w := workloadNamed(workload)
	return params{
		workload:     workload,
		impl:         impl,
		procs:        2,
		members:      min(w.members(2), 40),
		reads:        16,
		batch:        4,
		wait:         wait,
		sleep:        time.Millisecond,
		adminEvery:   200 * time.Microsecond,
		upgradeEvery: 50,
		duration:     200 * time.Millisecond,
	}
}

// Every implementation runs every workload it can, in each way of
// waiting, makes progress, and never lets a reader see the table change
// under it. Under -race, the race detector also checks every
// implementation's happens-before edges: the table is plain data.
func TestEveryGuardRunsEveryWorkload(t *testing.T) {
	for _, w := range workloads {
		waits := []string{""}
		if w.waits {
			waits = []string{waitPoll, waitBlock}
		}
		for _, wait := range waits {
			for _, g := range guards {
				if !g.runs(w) {
					continue
				}
				t.Run(fmt.Sprintf("%s/%s/%s", w.name, wait, g.name), func(t *testing.T) {
					p := shortParams(w.name, g.name, wait)
					m := measure(p, nil)
					if m.jobs == 0 || len(m.samples) == 0 {
						// A machine busy with other work may leave a
						// brief run no processor time: give it longer
						// once before calling it stuck.
						t.Logf("no progress in %v (%d jobs, %d admin operations): once more, 5 times as long",
							p.duration, m.jobs, len(m.samples))
						p.duration *= 5
						m = merge(m, measure(p, nil))
					}
					if m.jobs == 0 || len(m.samples) == 0 {
						t.Errorf("no progress: %d jobs, %d admin operations", m.jobs, len(m.samples))
					}
					if m.torn > 0 {
						t.Errorf("%d batches or dumps saw the table change under them", m.torn)
					}
				})
			}
		}
	}
}

// The torn-read check catches a guard that protects nothing, whether the
// admin is an outsider (queue) or runs in a member's loop (eventloop).
func TestBrokenGuardIsCaught(t *testing.T) {
	if raceEnabled {
		t.Skip("the broken guard races by design")
	}
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: reads and changes may never overlap")
	}
	guards = append(guards, implementation{name: "broken", doc: "no protection",
		new: func(t *table, _ int) guard { return brokenGuard{t} }})
	defer func() { guards = guards[:len(guards)-1] }()
	for _, workload := range []string{"queue", "eventloop"} {
		// Long reads and frequent changes, so that they overlap.
		p := shortParams(workload, "broken", waitPoll)
		p.reads, p.adminEvery, p.duration = 4096, 50*time.Microsecond, 500*time.Millisecond
		if m := measure(p, nil); m.torn == 0 {
			t.Errorf("%s: no torn read seen with a guard that protects nothing", workload)
		}
	}
}

type brokenGuard struct{ t *table }

func (g brokenGuard) join() member                  { return brokenMember(g) }
func (g brokenGuard) admin(_ bool, op func(*table)) { op(g.t) }

type brokenMember struct{ t *table }

func (brokenMember) wait(s *source) (batch, bool)                    { return s.next() }
func (m brokenMember) process(b batch, k int) (uint64, uint64, bool) { return m.t.read(b, k) }
func (m brokenMember) exclusive(_ bool, op func(*table))             { op(m.t) }
func (brokenMember) leave()                                          {}
