package main

import "sync/atomic"

// A counter is one member's count of jobs, alone on its cache lines so
// that counting writes no line that another member uses. The member
// publishes its count every publishEvery batches (every batch when it
// blocks between them), so that counting costs it next to nothing; the
// run reads the counts at the start and the end of the measurement, and
// the unpublished rest is about the same at both ends.
type counter struct {
	_ [64]byte
	n atomic.Uint64
	_ [56]byte
}

// counters are the counts of a run's members.
type counters []counter

// total returns the sum of the published counts.
func (cs counters) total() uint64 {
	var n uint64
	for i := range cs {
		n += cs[i].n.Load()
	}
	return n
}
