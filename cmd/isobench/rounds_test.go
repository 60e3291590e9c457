package main

import (
	"testing"
	"time"
)

func TestScheduleTakesTurns(t *testing.T) {
	c := config{impls: []string{"isolate", "cow"}, cpus: []int{1, 2}, rounds: 2,
		duration: time.Second, reads: 8, adminEvery: time.Millisecond}
	ps := schedule(c)
	var got []string
	for _, p := range ps {
		if p.duration != 500*time.Millisecond || p.members != 2*p.procs || p.reads != 8 {
			t.Errorf("run %+v", p)
		}
		got = append(got, p.impl+"@"+string(rune('0'+p.procs)))
	}
	want := "isolate@1 cow@1 isolate@2 cow@2 isolate@1 cow@1 isolate@2 cow@2"
	if s := join(got); s != want {
		t.Errorf("order: %s, want %s", s, want)
	}
}

func join(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += " "
		}
		out += x
	}
	return out
}

func TestMerge(t *testing.T) {
	a := measurement{params: params{impl: "isolate", duration: time.Second}, elapsed: time.Second, jobs: 10,
		samples: []time.Duration{1, 2}, cpu: time.Second, cpuOK: true}
	b := measurement{params: params{impl: "isolate", duration: time.Second}, elapsed: 2 * time.Second, jobs: 5,
		samples: []time.Duration{3}, cpu: time.Second, cpuOK: false, torn: 1}
	m := merge(merge(measurement{}, a), b)
	if m.impl != "isolate" || m.duration != 2*time.Second || m.elapsed != 3*time.Second || m.jobs != 15 ||
		len(m.samples) != 3 || m.cpu != 2*time.Second || m.cpuOK || m.torn != 1 {
		t.Errorf("merge = %+v", m)
	}
}
