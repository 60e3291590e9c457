package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWriteChart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "chart.png")
	if err := writeChart(file, results(sampleMeasurements())); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")) || len(b) < 10_000 {
		t.Fatalf("not a chart: %d bytes starting %q", len(b), b[:min(len(b), 8)])
	}
}

func TestWriteChartBadFile(t *testing.T) {
	if err := writeChart(filepath.Join(t.TempDir(), "no", "such", "dir.png"), results(sampleMeasurements())); err == nil {
		t.Fatal("no error for a file in a missing directory")
	}
}

// A group per workload; a workload run with several settings gets one
// group per settings, labelled with them.
func TestArrangeGroupsByWorkload(t *testing.T) {
	d := arrange(results(sampleMeasurements()))
	want := []string{"eventloop\nP=1 reads=4\n1 members", "eventloop\nP=2 reads=4\n2 members", "perrequest"}
	if !slices.Equal(d.groups, want) {
		t.Errorf("groups %q, want %q", d.groups, want)
	}
	if !slices.Equal(d.impls, []string{"isolate", "rwmutex", "cow"}) {
		t.Errorf("impls %q", d.impls)
	}
	if r, ok := d.rows[2]["rwmutex"]; !ok || r.Workload != "perrequest" {
		t.Errorf("perrequest's rwmutex row: %+v", r)
	}
}
