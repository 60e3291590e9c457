package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var s []time.Duration
	for i := 100; i >= 1; i-- { // 100 samples, 1..100 µs, unsorted
		s = append(s, time.Duration(i)*time.Microsecond)
	}
	got := summarize(s)
	want := latencies{N: 100, P50: 50 * time.Microsecond, P99: 99 * time.Microsecond, Max: 100 * time.Microsecond}
	if got != want {
		t.Errorf("summarize = %+v, want %+v", got, want)
	}
}

func TestSummarizeSmall(t *testing.T) {
	if got := summarize(nil); got != (latencies{}) {
		t.Errorf("summarize(nil) = %+v", got)
	}
	one := summarize([]time.Duration{7})
	if one.N != 1 || one.P50 != 7 || one.P99 != 7 || one.Max != 7 {
		t.Errorf("summarize of one sample = %+v", one)
	}
	// Nearest rank: of 3 samples, the median is the 2nd, p99 the 3rd.
	three := summarize([]time.Duration{3, 1, 2})
	if three.P50 != 2 || three.P99 != 3 {
		t.Errorf("summarize of 3 samples = %+v", three)
	}
}
