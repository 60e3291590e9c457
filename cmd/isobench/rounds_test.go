package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestScheduleTakesTurns(t *testing.T) {
	c := config{impls: []string{"isolate", "cow"}, workloads: []string{"eventloop"}, cpus: []int{1, 2}, rounds: 2,
		duration: time.Second, wait: waitPoll, adminEvery: time.Millisecond}
	var got []string
	for _, p := range schedule(c) {
		if p.duration != 500*time.Millisecond {
			t.Errorf("run %+v: want half the duration", p)
		}
		got = append(got, p.impl+"@"+string(rune('0'+p.procs)))
	}
	want := "isolate@1 cow@1 isolate@2 cow@2 isolate@1 cow@1 isolate@2 cow@2"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("order: %s, want %s", s, want)
	}
}

// A round runs each workload with its own defaults, under every
// implementation that can run it, and passes on only the knobs the
// workload uses.
func TestRoundDefaults(t *testing.T) {
	c := config{impls: guardNames(), workloads: workloadNames(), cpus: []int{3}, rounds: 1, wait: waitBlock,
		sleep: time.Millisecond, upgradeEvery: 5, adminEvery: time.Millisecond}
	seen := map[string]int{}
	for _, p := range c.round() {
		seen[p.workload]++
		w := workloadNamed(p.workload)
		if !slices.Contains(append([]int{w.members(3)}, w.moreMembers...), p.members) || p.reads != w.reads || p.batch != w.batch {
			t.Errorf("%s/%s: members %d reads %d batch %d, want the workload's", p.workload, p.impl, p.members, p.reads, p.batch)
		}
		if (p.wait != "") != w.waits || (p.sleep != 0) != w.sleeps || (p.upgradeEvery != 0) != w.upgrades {
			t.Errorf("%s: wait %q sleep %v upgrade-every %d: knobs the workload does not use", p.workload, p.wait, p.sleep, p.upgradeEvery)
		}
		if _, no := implementationNamed(p.impl).cannot[p.workload]; no {
			t.Errorf("%s runs %s, which it cannot", p.impl, p.workload)
		}
		if w.impls != nil && !slices.Contains(w.impls, p.impl) {
			t.Errorf("%s runs %s, which names only %v", p.impl, p.workload, w.impls)
		}
		if w.impls == nil && implementationNamed(p.impl).extra {
			t.Errorf("%s, an extra, runs %s, which does not name it", p.impl, p.workload)
		}
	}
	general := 0
	for _, g := range guards {
		if !g.extra {
			general++
		}
	}
	if seen["upgrade"] != general-1 || seen["eventloop"] != general || seen["oversubscribed"] != 2*general ||
		seen["saturated"] != 2 || seen["writeheavy"] != 4 {
		t.Errorf("runs per workload: %v", seen)
	}
	if w := workloadNamed("eventloop"); w.members(3) != 3 {
		t.Errorf("eventloop members at GOMAXPROCS=3: %d, want one per processor", w.members(3))
	}
}

// Flags override the workloads' defaults; -reads sweeps.
func TestRoundOverrides(t *testing.T) {
	c := config{impls: []string{"isolate"}, workloads: []string{"queue", "perrequest"}, cpus: []int{2}, rounds: 1,
		members: 5, batch: 7, reads: []int{1, 64}, wait: waitPoll, adminEvery: time.Millisecond}
	ps := c.round()
	if len(ps) != 4 {
		t.Fatalf("%d runs, want 2 workloads × 2 reads", len(ps))
	}
	for i, p := range ps {
		if p.members != 5 || p.batch != 7 || p.reads != []int{1, 64}[i%2] {
			t.Errorf("run %d: %+v", i, p)
		}
	}
}

func TestMerge(t *testing.T) {
	a := measurement{params: params{impl: "isolate", duration: time.Second}, elapsed: time.Second, jobs: 10,
		perRound: []float64{10}, samples: []time.Duration{1, 2}, cpu: time.Second, cpuOK: true}
	b := measurement{params: params{impl: "isolate", duration: time.Second}, elapsed: 2 * time.Second, jobs: 5,
		perRound: []float64{2.5}, samples: []time.Duration{3}, cpu: time.Second, cpuOK: false, torn: 1}
	m := merge(merge(measurement{}, a), b)
	if m.impl != "isolate" || m.duration != 2*time.Second || m.elapsed != 3*time.Second || m.jobs != 15 ||
		len(m.samples) != 3 || m.cpu != 2*time.Second || m.cpuOK || m.torn != 1 || !slices.Equal(m.perRound, []float64{10, 2.5}) {
		t.Errorf("merge = %+v", m)
	}
}
