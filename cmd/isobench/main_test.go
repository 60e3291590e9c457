package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The whole command, briefly: JSON on stdout, nothing on stderr, a chart.
func TestIsobenchJSON(t *testing.T) {
	png := filepath.Join(t.TempDir(), "c.png")
	var stdout, stderr bytes.Buffer
	err := isobench(strings.Fields("-json -only isolate,cow -cpu 1,2 -duration 150ms -png "+png), &stdout, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if stderr.Len() != 0 {
		t.Errorf("-json wrote to stderr: %q", stderr.String())
	}
	var rs []result
	if err := json.Unmarshal(stdout.Bytes(), &rs); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	if len(rs) != 4 || rs[0].Impl != "isolate" || rs[1].Impl != "cow" || rs[2].GOMAXPROCS != 2 {
		t.Fatalf("unexpected runs: %+v", rs)
	}
	for _, r := range rs {
		if r.Jobs == 0 || r.JobsRatio == nil {
			t.Errorf("%s at %d: %+v", r.Impl, r.GOMAXPROCS, r)
		}
	}
	if _, err := os.Stat(png); err != nil {
		t.Errorf("no chart: %v", err)
	}
}

func TestIsobenchTable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := isobench(strings.Fields("-only syncpoint -duration 150ms -members 3"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "syncpoint") || !strings.Contains(stdout.String(), "members=3") {
		t.Errorf("unexpected table:\n%s", stdout.String())
	}
}

func TestIsobenchBadFlag(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := isobench([]string{"-only", "nosuch"}, &stdout, &stderr); err == nil {
		t.Fatal("no error for an unknown implementation")
	}
}
