package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A run with fewer than minSamples admin operations gets a warning that
// says how long to run: at the rate it saw, long enough for minSamples.
func TestFewSamplesSaysHowLongToRun(t *testing.T) {
	r := result{Workload: "eventloop", AdminOps: 250, RunSeconds: 1.2}
	if got := longEnough(r); got != 5*time.Second { // 1.2 s × 4, rounded up
		t.Errorf("longEnough = %v, want 5s", got)
	}
	if w := fewSamples(r); !strings.Contains(w, "250 samples") || !strings.Contains(w, "-duration 5s") {
		t.Errorf("warning %q", w)
	}
	if w := fewSamples(result{AdminOps: minSamples}); w != "" {
		t.Errorf("warning with enough samples: %q", w)
	}
	if w := fewSamples(result{}); !strings.Contains(w, "no admin operation") {
		t.Errorf("warning without samples: %q", w)
	}
}

// A table gets one note, for its worst row.
func TestTableNote(t *testing.T) {
	ms := sampleMeasurements()[:2]
	ms[0].samples = ms[0].samples[:300]
	ms[1].samples = ms[1].samples[:600]
	var b bytes.Buffer
	if err := writeTables(&b, results(ms)); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Count(out, "note:") != 1 || !strings.Contains(out, "300 to 600 samples in 2 of 2 rows") ||
		!strings.Contains(out, "-workload eventloop -duration 4s") {
		t.Errorf("want one note for the table, asking for 4 s:\n%s", out)
	}
	if n := blockNote(results(sampleMeasurements())); n != "" {
		t.Errorf("note for rows with enough samples: %q", n)
	}
	ms[0].samples = nil
	if n := blockNote(results(ms)); !strings.Contains(n, "no admin operation") {
		t.Errorf("note for a row without samples: %q", n)
	}
}
