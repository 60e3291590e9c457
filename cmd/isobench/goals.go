package main

import (
	"fmt"
	"io"
	"slices"
)

// Goals: what isolate should reach against a peer in a workload (issue
// 18's acceptance), checked on the medians, over the rounds, of the
// per-round ratios: the implementations take turns within a round, so a
// round's ratio compares runs that the machine's load hit alike.

// quantity is a figure of a round that a goal compares.
type quantity int

const (
	jobsPerSec quantity = iota
	cpuPerJob
	adminPerSec
	adminP50
	adminP99
)

var quantityNames = map[quantity]string{
	jobsPerSec:  "jobs/s",
	cpuPerJob:   "CPU per job",
	adminPerSec: "admin ops/s",
	adminP50:    "admin p50",
	adminP99:    "admin p99",
}

// roundStats are one round's figures of one run.
type roundStats struct {
	JobsPerSec  float64 `json:"jobs_per_sec"`
	CPUPerMJobs float64 `json:"cpu_sec_per_mjobs,omitempty"`
	AdminPerSec float64 `json:"admin_ops_per_sec"`
	AdminP50us  float64 `json:"admin_p50_us"`
	AdminP99us  float64 `json:"admin_p99_us"`
}

// stats returns the figures of m, one round's measurement.
func (m measurement) stats() roundStats {
	secs := m.elapsed.Seconds()
	admin := summarize(slices.Clone(m.samples))
	st := roundStats{
		JobsPerSec:  float64(m.jobs) / secs,
		AdminPerSec: float64(admin.N) / secs,
		AdminP50us:  micros(admin.P50),
		AdminP99us:  micros(admin.P99),
	}
	if m.cpuOK && m.jobs > 0 {
		st.CPUPerMJobs = m.cpu.Seconds() / float64(m.jobs) * 1e6
	}
	return st
}

func (st roundStats) get(q quantity) float64 {
	switch q {
	case jobsPerSec:
		return st.JobsPerSec
	case cpuPerJob:
		return st.CPUPerMJobs
	case adminPerSec:
		return st.AdminPerSec
	case adminP50:
		return st.AdminP50us
	}
	return st.AdminP99us
}

// A goal is a bound on the ratio of impl's figure to peer's: at least
// least (when not zero), at most most (when not zero).
type goal struct {
	impl, peer  string
	of          quantity
	least, most float64
}

func (g goal) String() string {
	bound := fmt.Sprintf("≥ %.2f×", g.least)
	if g.most != 0 {
		bound = fmt.Sprintf("≤ %.2f×", g.most)
	}
	return fmt.Sprintf("%s %s %s %s's", g.impl, quantityNames[g.of], bound, g.peer)
}

// check returns the median over the rounds of the ratio of impl's figure
// to peer's, its range, and whether it meets the goal; ok is false if
// the rows lack either or a round has nothing to divide by.
func (g goal) check(impl, peer result) (median, lo, hi float64, met, ok bool) {
	n := min(len(impl.Rounds), len(peer.Rounds))
	var rs []float64
	for i := range n {
		b := peer.Rounds[i].get(g.of)
		if b == 0 {
			return 0, 0, 0, false, false
		}
		rs = append(rs, impl.Rounds[i].get(g.of)/b)
	}
	if len(rs) == 0 {
		return 0, 0, 0, false, false
	}
	slices.Sort(rs)
	median = rs[len(rs)/2]
	if len(rs)%2 == 0 {
		median = (rs[len(rs)/2-1] + rs[len(rs)/2]) / 2
	}
	met = (g.least == 0 || median >= g.least) && (g.most == 0 || median <= g.most)
	return median, rs[0], rs[len(rs)-1], met, true
}

// writeGoals prints a line per goal of the block's workload whose two
// implementations are among the rows rs, which share their settings.
func writeGoals(w io.Writer, rs []result) {
	if len(rs) == 0 {
		return
	}
	byImpl := map[string]result{}
	for _, r := range rs {
		byImpl[r.Impl] = r
	}
	for _, g := range workloadNamed(rs[0].Workload).goals {
		a, okA := byImpl[g.impl]
		b, okB := byImpl[g.peer]
		if !okA || !okB {
			continue
		}
		median, lo, hi, met, ok := g.check(a, b)
		verdict := "met"
		switch {
		case !ok:
			fmt.Fprintf(w, "  goal: %s: no figure to compare\n", g)
			continue
		case !met:
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "  goal: %s: %.2f× (median of %d rounds, %.2f–%.2f) %s\n", g, median, min(len(a.Rounds), len(b.Rounds)), lo, hi, verdict)
	}
}
