package main

import (
	"bytes"
	"os"
	"path/filepath"
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
