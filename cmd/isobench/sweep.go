package main

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
)

// A sweep is the runs of one workload and settings at several -reads
// values: where each implementation wins as the work per event grows.

// writeSweeps prints, for every workload and settings run at more than one
// -reads value, a table of jobs/s by -reads: isolate's, and the others'
// ratios to it.
func writeSweeps(w io.Writer, rs []result) error {
	var keys []string
	rows := map[string][]result{}
	for _, r := range rs {
		k := r.Workload + " " + r.settingsWith(false)
		if rows[k] == nil {
			keys = append(keys, k)
		}
		rows[k] = append(rows[k], r)
	}
	for _, k := range keys {
		if err := writeSweep(w, k, rows[k]); err != nil {
			return err
		}
	}
	return nil
}

// writeSweep prints the sweep of the rows rs, which share key k, if they
// cover more than one -reads value.
func writeSweep(w io.Writer, k string, rs []result) error {
	var reads []int
	var impls []string
	cell := map[string]map[int]result{}
	for _, r := range rs {
		if !slices.Contains(reads, r.Reads) {
			reads = append(reads, r.Reads)
		}
		if cell[r.Impl] == nil {
			impls = append(impls, r.Impl)
			cell[r.Impl] = map[int]result{}
		}
		cell[r.Impl][r.Reads] = r
	}
	if len(reads) < 2 {
		return nil
	}
	fmt.Fprintf(w, "\nSweep over -reads, %s\njobs/s (isolate) and ratios to isolate; > 1.00× where a peer wins\n", k)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "  reads\t")
	for _, impl := range impls {
		fmt.Fprintf(tw, "%s\t", impl)
	}
	fmt.Fprintln(tw)
	for _, k := range reads {
		fmt.Fprintf(tw, "  %d\t", k)
		for _, impl := range impls {
			r, ok := cell[impl][k]
			switch {
			case !ok:
				fmt.Fprint(tw, "-\t")
			case impl == "isolate":
				fmt.Fprintf(tw, "%s\t", si(r.JobsPerSec))
			default:
				fmt.Fprintf(tw, "%s\t", times(r.JobsRatio))
			}
		}
		fmt.Fprintln(tw)
	}
	return tw.Flush()
}
