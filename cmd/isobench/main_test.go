package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The whole command, briefly: JSON on stdout, nothing on stderr, a chart,
// a profile.
func TestIsobenchJSON(t *testing.T) {
	dir := t.TempDir()
	png, prof := filepath.Join(dir, "c.png"), filepath.Join(dir, "cpu.out")
	var stdout, stderr bytes.Buffer
	err := isobench(strings.Fields("-json -workload eventloop,perrequest -only isolate,cow -cpu 1,2 -duration 120ms "+
		"-png "+png+" -cpuprofile "+prof), &stdout, &stderr)
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
	// GOMAXPROCS, then workload, then implementation.
	want := []string{"eventloop isolate 1", "eventloop cow 1", "perrequest isolate 1", "perrequest cow 1",
		"eventloop isolate 2", "eventloop cow 2", "perrequest isolate 2", "perrequest cow 2"}
	if len(rs) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rs), len(want), rs)
	}
	for i, r := range rs {
		if got := fmt.Sprint(r.Workload, " ", r.Impl, " ", r.GOMAXPROCS); got != want[i] {
			t.Errorf("row %d is %s, want %s", i, got, want[i])
		}
		if r.Jobs == 0 || r.JobsRatio == nil || r.Torn != 0 {
			t.Errorf("row %d: %+v", i, r)
		}
	}
	for _, f := range []string{png, prof} {
		if st, err := os.Stat(f); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestIsobenchTable(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := isobench(strings.Fields("-workload queue -only syncpoint -duration 150ms -members 3"), &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, want := range []string{"queue: ", "syncpoint", "members=3", "note: admin p99", "Implementations:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestIsobenchBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-only", "nosuch"}, {"-cpuprofile", filepath.Join(t.TempDir(), "no", "such")}} {
		var stdout, stderr bytes.Buffer
		if err := isobench(append(args, "-duration", "10ms", "-workload", "queue"), &stdout, &stderr); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// -from reports on an earlier -json run without running again: the same
// rows, as tables or JSON.
func TestIsobenchFrom(t *testing.T) {
	file := filepath.Join(t.TempDir(), "run.json")
	var first bytes.Buffer
	if err := writeJSON(&first, results(sampleMeasurements())); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, first.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	var again, tables, stderr bytes.Buffer
	if err := isobench([]string{"-from", file, "-json"}, &again, &stderr); err != nil {
		t.Fatal(err)
	}
	if again.String() != first.String() {
		t.Errorf("-from -json changed the rows:\n%s\nwant\n%s", again.String(), first.String())
	}
	if err := isobench([]string{"-from", file}, &tables, &stderr); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := writeTables(&want, results(sampleMeasurements())); err != nil {
		t.Fatal(err)
	}
	if tables.String() != want.String() {
		t.Errorf("-from printed\n%s\nwant\n%s", tables.String(), want.String())
	}
	if err := isobench([]string{"-from", filepath.Join(t.TempDir(), "none.json")}, &tables, &stderr); err == nil {
		t.Error("no error for a missing file")
	}
}
