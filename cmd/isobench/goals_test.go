package main

import (
	"strings"
	"testing"
)

// A goal takes the median of the per-round ratios, and says whether it is
// met; the tables print a line per goal whose implementations ran.
func TestGoals(t *testing.T) {
	rounds := func(jobs ...float64) []roundStats {
		var rs []roundStats
		for _, j := range jobs {
			rs = append(rs, roundStats{JobsPerSec: j, AdminP99us: 100})
		}
		return rs
	}
	iso := result{Workload: "writeheavy", Impl: "isolate", Rounds: rounds(8, 5, 20)}
	rw := result{Workload: "writeheavy", Impl: "rwmutex", Rounds: rounds(10, 10, 10)}
	g := goal{impl: "isolate", peer: "rwmutex", of: jobsPerSec, least: 0.7}
	median, lo, hi, met, ok := g.check(iso, rw)
	if !ok || median != 0.8 || lo != 0.5 || hi != 2 || !met {
		t.Errorf("check = %v %v %v %v %v, want the median 0.8 of 0.5, 0.8, 2, met", median, lo, hi, met, ok)
	}
	g.least = 0.9
	if _, _, _, met, _ := g.check(iso, rw); met {
		t.Error("0.8× met a goal of at least 0.9×")
	}
	g = goal{impl: "isolate", peer: "rwmutex", of: adminP99, most: 3}
	if median, _, _, met, ok := g.check(iso, rw); !ok || median != 1 || !met {
		t.Errorf("admin p99: %v %v %v", median, met, ok)
	}
	if _, _, _, _, ok := g.check(iso, result{Rounds: []roundStats{{}}}); ok {
		t.Error("a peer with no figure compared")
	}

	var b strings.Builder
	writeGoals(&b, []result{iso, rw})
	out := b.String()
	for _, want := range []string{"goal: isolate jobs/s ≥ 0.70× rwmutex's: 0.80× (median of 3 rounds, 0.50–2.00) met",
		"goal: isolate CPU per job ≤ 1.50× rwmutex's: no figure"} {
		if !strings.Contains(out, want) {
			t.Errorf("goals lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "isolate-do") {
		t.Errorf("a goal printed for an implementation that did not run:\n%s", out)
	}
}
