package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
)

// writeJSON prints the rows as an indented JSON array.
func writeJSON(w io.Writer, rs []result) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rs)
}

// readJSON reads the rows that writeJSON wrote to file.
func readJSON(file string) ([]result, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var rs []result
	if err := json.Unmarshal(b, &rs); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return rs, nil
}

// writeTables prints the rows as one table per workload and settings, in
// the order they come, each followed by its warnings; then the sweeps
// over -reads, and what the implementations are.
func writeTables(w io.Writer, rs []result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	var block []result
	flush := func() {
		if n := blockNote(block); n != "" {
			fmt.Fprintf(tw, "  note: %s\n", n)
		}
		writeGoals(tw, block)
		block = nil
	}
	key := ""
	for _, r := range rs {
		if r.key() != key {
			flush()
			if key != "" {
				fmt.Fprintln(tw)
			}
			key = r.key()
			fmt.Fprintf(tw, "%s: %s\n%s measured=%.1fs\n", r.Workload, workloadNamed(r.Workload).doc, r.settings(), r.Seconds)
			fmt.Fprintf(tw, "  %-10s\tjobs/s\tvs isolate\tin a round\tadmin ops/s\tadmin p50\tp99\tmax\tp99 vs isolate\tCPU s/Mjobs\tvs isolate\t\n", "impl")
		}
		fmt.Fprintf(tw, "  %-10s\t%s\t%s\t%s\t%.0f\t%s\t%s\t%s\t%s\t%s\t%s\t", r.Impl,
			si(r.JobsPerSec), times(r.JobsRatio), span(r.JobsRatioMin, r.JobsRatioMax), r.AdminPerSec,
			us(r.AdminP50us), us(r.AdminP99us), us(r.AdminMaxus), times(r.AdminP99Ratio),
			optional(r.CPUPerMJobs, "%.3f"), times(r.CPURatio))
		if r.Torn > 0 {
			fmt.Fprintf(tw, " BROKEN: %d torn reads", r.Torn)
		}
		fmt.Fprintln(tw)
		block = append(block, r)
	}
	flush()
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := writeSweeps(w, rs); err != nil {
		return err
	}
	return writeLegend(w, rs)
}

// writeLegend says what each implementation that ran is, and which
// workloads some could not run.
func writeLegend(w io.Writer, rs []result) error {
	ran := map[string]bool{}
	for _, r := range rs {
		ran[r.Impl] = true
		ran[r.Workload] = true
	}
	fmt.Fprintln(w, "\nImplementations:")
	for _, g := range guards {
		if !ran[g.name] {
			continue
		}
		fmt.Fprintf(w, "  %-10s  %s\n", g.name, g.doc)
		for _, wl := range workloads {
			if why, ok := g.cannot[wl.name]; ok && ran[wl.name] {
				fmt.Fprintf(w, "  %-10s  (not in %s: %s)\n", "", wl.name, why)
			}
		}
	}
	_, err := fmt.Fprintln(w, "Ratios are to isolate with the same settings; above 1 is more jobs/s, a slower admin, more CPU per job.")
	return err
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

// span formats the range of a ratio over the rounds: 0.91–1.20.
func span(lo, hi *float64) string {
	if lo == nil || hi == nil {
		return "-"
	}
	return fmt.Sprintf("%.2f–%.2f", *lo, *hi)
}

func optional(v *float64, format string) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf(format, *v)
}
