package main

import (
	"fmt"
	"math"
	"time"
)

// minSamples is the number of admin operations below which a p99 means
// little: fewer than ten samples lie beyond it.
const minSamples = 1000

// fewSamples returns a warning if r's admin percentiles rest on too few
// samples, saying how long to run for enough; "" otherwise.
func fewSamples(r result) string {
	if r.AdminOps >= minSamples {
		return ""
	}
	if r.AdminOps == 0 {
		return "no admin operation started during the measurement"
	}
	return fmt.Sprintf("admin p99 from %d samples (fewer than %d): run -duration %v or more",
		r.AdminOps, minSamples, longEnough(r))
}

// longEnough returns the -duration at which r's run would have measured
// minSamples admin operations at the rate it saw, rounded up to a second.
func longEnough(r result) time.Duration {
	scale := float64(minSamples) / float64(r.AdminOps)
	secs := math.Ceil(r.RunSeconds * scale)
	return time.Duration(secs) * time.Second
}

// blockNote returns one warning for the rows of a table whose admin
// percentiles rest on too few samples: the range of sample counts, and the
// -duration that gives every row enough; "" if none needs one.
func blockNote(rs []result) string {
	lo, hi, few := -1, 0, 0
	var need time.Duration
	for _, r := range rs {
		if r.AdminOps >= minSamples {
			continue
		}
		few++
		if lo < 0 || r.AdminOps < lo {
			lo = r.AdminOps
		}
		hi = max(hi, r.AdminOps)
		if r.AdminOps > 0 {
			need = max(need, longEnough(r))
		}
	}
	switch {
	case few == 0:
		return ""
	case lo == 0:
		return "an implementation finished no admin operation during the measurement: its percentiles are empty"
	}
	count := fmt.Sprint(lo)
	if hi != lo {
		count = fmt.Sprintf("%d to %d", lo, hi)
	}
	return fmt.Sprintf("admin p99 from %s samples in %d of %d rows (fewer than %d): too few to trust; "+
		"run -workload %s -duration %v or more", count, few, len(rs), minSamples, rs[0].Workload, need)
}
