package main

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// result is one run's row of the report, as -json prints it.
type result struct {
	Impl        string  `json:"impl"`
	GOMAXPROCS  int     `json:"gomaxprocs"`
	Members     int     `json:"members"`
	Reads       int     `json:"reads"`
	AdminEvery  string  `json:"admin_every"`
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
	// The ratios to isolate's run at the same GOMAXPROCS (absent if
	// isolate did not run): above 1 means more jobs/s, a slower admin, or
	// more CPU per job than isolate.
	JobsRatio     *float64 `json:"jobs_ratio,omitempty"`
	AdminP99Ratio *float64 `json:"admin_p99_ratio,omitempty"`
	CPURatio      *float64 `json:"cpu_ratio,omitempty"`
	Torn          uint64   `json:"torn"`
}

// results turns measurements into rows, with their ratios to isolate.
func results(ms []measurement) []result {
	rs := make([]result, len(ms))
	base := map[int]*result{} // isolate's row at each GOMAXPROCS
	for i, m := range ms {
		secs := m.elapsed.Seconds()
		admin := summarize(slices.Clone(m.samples))
		r := result{
			Impl:        m.impl,
			GOMAXPROCS:  m.procs,
			Members:     m.members,
			Reads:       m.reads,
			AdminEvery:  m.adminEvery.String(),
			Seconds:     secs,
			Jobs:        m.jobs,
			JobsPerSec:  float64(m.jobs) / secs,
			AdminOps:    admin.N,
			AdminPerSec: float64(admin.N) / secs,
			AdminP50us:  micros(admin.P50),
			AdminP99us:  micros(admin.P99),
			AdminMaxus:  micros(admin.Max),
			Torn:        m.torn,
		}
		if m.cpuOK && m.jobs > 0 {
			v := m.cpu.Seconds() / float64(m.jobs) * 1e6
			r.CPUPerMJobs = &v
		}
		rs[i] = r
		if m.impl == "isolate" {
			base[m.procs] = &rs[i]
		}
	}
	for i := range rs {
		b := base[rs[i].GOMAXPROCS]
		if b == nil {
			continue
		}
		rs[i].JobsRatio = ratio(rs[i].JobsPerSec, b.JobsPerSec)
		rs[i].AdminP99Ratio = ratio(rs[i].AdminP99us, b.AdminP99us)
		if rs[i].CPUPerMJobs != nil && b.CPUPerMJobs != nil {
			rs[i].CPURatio = ratio(*rs[i].CPUPerMJobs, *b.CPUPerMJobs)
		}
	}
	return rs
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

// writeJSON prints the rows as an indented JSON array.
func writeJSON(w io.Writer, rs []result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

// writeTable prints the rows as a table, one block per GOMAXPROCS.
func writeTable(w io.Writer, rs []result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	procs := -1
	for _, r := range rs {
		if r.GOMAXPROCS != procs {
			if procs != -1 {
				fmt.Fprintln(tw)
			}
			procs = r.GOMAXPROCS
			fmt.Fprintf(tw, "GOMAXPROCS=%d members=%d reads=%d admin-every=%s measured=%.1fs\n",
				r.GOMAXPROCS, r.Members, r.Reads, r.AdminEvery, r.Seconds)
			fmt.Fprintf(tw, "%-9s\tjobs/s\tvs isolate\tadmin ops/s\tadmin p50\tp99\tmax\tp99 vs isolate\tCPU s/Mjobs\tvs isolate\t\n", "impl")
		}
		fmt.Fprintf(tw, "%-9s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t", r.Impl,
			si(r.JobsPerSec), times(r.JobsRatio), r.AdminPerSec,
			us(r.AdminP50us), us(r.AdminP99us), us(r.AdminMaxus), times(r.AdminP99Ratio),
			optional(r.CPUPerMJobs, "%.2f"), times(r.CPURatio))
		if r.Torn > 0 {
			fmt.Fprintf(tw, " BROKEN: %d torn reads", r.Torn)
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}

// si formats v with an SI suffix: 1.23M.
func si(v float64) string {
	switch {
	case v >= 1e9:
		return fmt.Sprintf("%.2fG", v/1e9)
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

// us formats microseconds with a unit that keeps three digits or so.
func us(v float64) string {
	switch {
	case v >= 10000:
		return fmt.Sprintf("%.0fms", v/1000)
	case v >= 1000:
		return fmt.Sprintf("%.1fms", v/1000)
	case v >= 10:
		return fmt.Sprintf("%.0fµs", v)
	}
	return fmt.Sprintf("%.1fµs", v)
}

func times(v *float64) string { return optional(v, "%.2f×") }

func optional(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}
