package main

import (
	"slices"
	"time"
)

// latencies summarises admin operation latencies.
type latencies struct {
	N             int
	P50, P99, Max time.Duration
}

// summarize returns the count, median, 99th percentile and maximum of s,
// which it sorts. The percentiles are nearest-rank: the smallest sample
// that at least p% of the samples do not exceed.
func summarize(s []time.Duration) latencies {
	if len(s) == 0 {
		return latencies{}
	}
	slices.Sort(s)
	return latencies{
		N:   len(s),
		P50: percentile(s, 50),
		P99: percentile(s, 99),
		Max: s[len(s)-1],
	}
}

// percentile returns the nearest-rank p-th percentile of the sorted s.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 × n)
	return sorted[max(rank, 1)-1]
}
