package main

import (
	"bytes"
	"strings"
	"testing"
)

// With several -reads values, a sweep table gives jobs/s by -reads.
func TestWriteSweep(t *testing.T) {
	var ms []measurement
	for _, k := range []int{1, 64} {
		for _, m := range sampleMeasurements()[2:4] { // eventloop at GOMAXPROCS=2
			m.reads = k
			if k == 64 && m.impl == "cow" {
				m.jobs /= 4 // cow wins at 1 read, loses at 64
			}
			ms = append(ms, m)
		}
	}
	var b bytes.Buffer
	if err := writeTables(&b, results(ms)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	i := strings.Index(out, "Sweep over -reads, eventloop GOMAXPROCS=2 members=2 batch=16")
	if i < 0 {
		t.Fatalf("no sweep:\n%s", out)
	}
	sweep := out[i:]
	for _, want := range []string{"reads", "isolate", "cow", "4.00M", "2.00×", "0.50×"} {
		if !strings.Contains(sweep, want) {
			t.Errorf("sweep lacks %q:\n%s", want, sweep)
		}
	}
	// One -reads value: no sweep.
	b.Reset()
	if err := writeSweeps(&b, results(sampleMeasurements())); err != nil || b.Len() != 0 {
		t.Errorf("sweep of single values: %v\n%s", err, b.String())
	}
}
