package main

import (
	"math/bits"
	"runtime"
	"runtime/metrics"
	"time"
)

// The runtime/metrics that a run reports, read together.
var metricNames = []string{
	"/gc/heap/allocs:bytes",
	"/gc/heap/allocs:objects",
	"/gc/cycles/total:gc-cycles",
	"/cpu/classes/gc/total:cpu-seconds",
	"/cpu/classes/gc/mark/idle:cpu-seconds",
}

// A snapshot is the process's allocation and GC counters at one moment.
type snapshot struct {
	at                 time.Time
	allocBytes, allocs uint64
	gcs                uint64
	gcCPU, gcIdleCPU   float64 // seconds
}

func takeSnapshot() snapshot {
	s := make([]metrics.Sample, len(metricNames))
	for i, n := range metricNames {
		s[i].Name = n
	}
	metrics.Read(s)
	return snapshot{
		at:         time.Now(),
		allocBytes: s[0].Value.Uint64(),
		allocs:     s[1].Value.Uint64(),
		gcs:        s[2].Value.Uint64(),
		gcCPU:      s[3].Value.Float64(),
		gcIdleCPU:  s[4].Value.Float64(),
	}
}

// usage is what happened between two snapshots.
type usage struct {
	elapsed            time.Duration
	allocBytes, allocs uint64
	gcs                uint64
	// gcFraction is the share of the CPU time available to the process
	// (GOMAXPROCS over the elapsed time) that the GC took, not counting
	// the marking it did on processors that were idle otherwise (as
	// runtime.MemStats.GCCPUFraction). The runtime updates its GC CPU
	// counters at the end of each cycle: the work of a cycle still
	// running at the end is left out.
	gcFraction float64
}

func (s snapshot) since(t snapshot) usage {
	el := s.at.Sub(t.at)
	u := usage{elapsed: el, allocBytes: s.allocBytes - t.allocBytes, allocs: s.allocs - t.allocs, gcs: s.gcs - t.gcs}
	if el > 0 {
		gc := (s.gcCPU - s.gcIdleCPU) - (t.gcCPU - t.gcIdleCPU)
		u.gcFraction = gc / (el.Seconds() * float64(runtime.GOMAXPROCS(0)))
	}
	return u
}

// A histogram counts durations in buckets of about 1/8 of their value
// (log-linear: 8 sub-buckets per power of two), in a fixed array, so that
// recording allocates nothing.
type histogram struct {
	counts [64 * subBuckets]uint64
	n      uint64
}

const subBits = 3
const subBuckets = 1 << subBits

func bucketOf(ns uint64) int {
	if ns < subBuckets {
		return int(ns)
	}
	e := bits.Len64(ns) - 1 - subBits // ns>>e is in [8, 16)
	return (e+1)*subBuckets + int(ns>>e) - subBuckets
}

// lowerBound is the smallest duration in bucket b.
func lowerBound(b int) uint64 {
	if b < subBuckets {
		return uint64(b)
	}
	e := b/subBuckets - 1
	return uint64(b%subBuckets+subBuckets) << e
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	h.n++
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the lower bound of the bucket that holds the q'th
// quantile (0 if the histogram is empty).
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n-1))
	var seen uint64
	for b, c := range h.counts {
		seen += c
		if seen > rank {
			return time.Duration(lowerBound(b))
		}
	}
	return time.Duration(lowerBound(len(h.counts) - 1))
}
