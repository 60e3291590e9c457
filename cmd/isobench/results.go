package main

import (
	"fmt"
	"slices"
	"time"
)

// result is one run's row of the report, as -json prints it.
type result struct {
	Workload     string `json:"workload"`
	Impl         string `json:"impl"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	Members      int    `json:"members"`
	Reads        int    `json:"reads"`
	Batch        int    `json:"batch"`
	Wait         string `json:"wait,omitempty"`
	Sleep        string `json:"sleep,omitempty"`
	UpgradeEvery int    `json:"upgrade_every,omitempty"`
	AdminEvery   string `json:"admin_every"`
	// RunSeconds is the length of the run, warm-up included: -duration.
	RunSeconds  float64 `json:"run_seconds"`
	Seconds     float64 `json:"seconds"` // measured, warm-up excluded
	Jobs        uint64  `json:"jobs"`
	JobsPerSec  float64 `json:"jobs_per_sec"`
	AdminOps    int     `json:"admin_ops"`
	AdminPerSec float64 `json:"admin_ops_per_sec"`
	AdminP50us  float64 `json:"admin_p50_us"`
	AdminP99us  float64 `json:"admin_p99_us"`
	AdminMaxus  float64 `json:"admin_max_us"`
	// CPUPerMJobs is the process's CPU seconds per million jobs; absent
	// where the system cannot tell.
	CPUPerMJobs *float64 `json:"cpu_sec_per_mjobs,omitempty"`
	// The ratios to isolate's run with the same settings (absent if
	// isolate did not run): above 1 means more jobs/s, a slower admin, or
	// more CPU per job than isolate.
	JobsRatio *float64 `json:"jobs_ratio,omitempty"`
	// JobsRatioMin and JobsRatioMax are the smallest and the largest
	// ratio of jobs/s to isolate's in one round: how much the machine's
	// noise moved the ratio within the run.
	JobsRatioMin  *float64 `json:"jobs_ratio_min,omitempty"`
	JobsRatioMax  *float64 `json:"jobs_ratio_max,omitempty"`
	AdminP99Ratio *float64 `json:"admin_p99_ratio,omitempty"`
	CPURatio      *float64 `json:"cpu_ratio,omitempty"`
	Torn          uint64   `json:"torn"`
	// Warning says why a figure of the row is not to be trusted.
	Warning string `json:"warning,omitempty"`
	// Rounds are the figures of each round, from which the goals take
	// their medians.
	Rounds []roundStats `json:"rounds,omitempty"`
	// perRound is the jobs/s of each round.
	perRound []float64
}

// settings describes everything about the run but the implementation and
// what it measured: rows with the same settings compare.
func (r result) settings() string { return r.settingsWith(true) }

// settingsWith is settings, without -reads if reads is false.
func (r result) settingsWith(reads bool) string {
	s := fmt.Sprintf("GOMAXPROCS=%d members=%d", r.GOMAXPROCS, r.Members)
	if reads {
		s += fmt.Sprintf(" reads=%d", r.Reads)
	}
	s += fmt.Sprintf(" batch=%d", r.Batch)
	if r.Wait != "" {
		s += " wait=" + r.Wait
	}
	if r.Sleep != "" {
		s += " sleep=" + r.Sleep
	}
	if r.UpgradeEvery != 0 {
		s += fmt.Sprintf(" upgrade-every=%d", r.UpgradeEvery)
	}
	return s + " admin-every=" + r.AdminEvery
}

// key identifies the rows that compare with each other.
func (r result) key() string { return r.Workload + " " + r.settings() }

// results turns measurements into rows, with their ratios to isolate.
func results(ms []measurement) []result {
	rs := make([]result, len(ms))
	base := map[string]*result{} // isolate's row for each key
	for i, m := range ms {
		rs[i] = row(m)
		if m.impl == "isolate" {
			base[rs[i].key()] = &rs[i]
		}
	}
	for i := range rs {
		r := &rs[i]
		r.Warning = fewSamples(*r)
		b := base[r.key()]
		if b == nil {
			continue
		}
		r.JobsRatio = ratio(r.JobsPerSec, b.JobsPerSec)
		r.JobsRatioMin, r.JobsRatioMax = roundRange(r.perRound, b.perRound)
		r.AdminP99Ratio = ratio(r.AdminP99us, b.AdminP99us)
		if r.CPUPerMJobs != nil && b.CPUPerMJobs != nil {
			r.CPURatio = ratio(*r.CPUPerMJobs, *b.CPUPerMJobs)
		}
	}
	return rs
}

// row returns m's row, without ratios.
func row(m measurement) result {
	secs := m.elapsed.Seconds()
	admin := summarize(slices.Clone(m.samples))
	r := result{
		Workload:     m.workload,
		Impl:         m.impl,
		GOMAXPROCS:   m.procs,
		Members:      m.members,
		Reads:        m.reads,
		Batch:        m.batch,
		Wait:         m.wait,
		UpgradeEvery: m.upgradeEvery,
		AdminEvery:   m.adminEvery.String(),
		RunSeconds:   m.duration.Seconds(),
		Seconds:      secs,
		Jobs:         m.jobs,
		JobsPerSec:   float64(m.jobs) / secs,
		AdminOps:     admin.N,
		AdminPerSec:  float64(admin.N) / secs,
		AdminP50us:   micros(admin.P50),
		AdminP99us:   micros(admin.P99),
		AdminMaxus:   micros(admin.Max),
		Torn:         m.torn,
		Rounds:       m.rounds,
		perRound:     m.perRound,
	}
	if m.sleep != 0 {
		r.Sleep = m.sleep.String()
	}
	if m.cpuOK && m.jobs > 0 {
		v := m.cpu.Seconds() / float64(m.jobs) * 1e6
		r.CPUPerMJobs = &v
	}
	return r
}

// roundRange returns the smallest and the largest ratio of jobs/s in a
// round to base's in the same round, over the rounds both ran; nils with
// fewer than two.
func roundRange(rounds, base []float64) (lo, hi *float64) {
	n := min(len(rounds), len(base))
	if n < 2 {
		return nil, nil
	}
	for i := range n {
		v := ratio(rounds[i], base[i])
		if v == nil {
			continue
		}
		if lo == nil || *v < *lo {
			lo = v
		}
		if hi == nil || *v > *hi {
			hi = v
		}
	}
	return lo, hi
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// ratio returns a/b, or nil if b is zero.
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	v := a / b
	return &v
}
