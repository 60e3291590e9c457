package main

import (
	"errors"
	"flag"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseConfigDefaults(t *testing.T) {
	c, err := parseConfig(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.impls, guardNames()) || !slices.Equal(c.workloads, workloadNames()) {
		t.Errorf("impls %v, workloads %v: want all", c.impls, c.workloads)
	}
	if want := []int{runtime.GOMAXPROCS(0)}; !slices.Equal(c.cpus, want) {
		t.Errorf("cpus = %v, want %v", c.cpus, want)
	}
	if c.reads != nil || c.members != 0 || c.batch != 0 || c.rounds != 3 || c.wait != waitPoll ||
		c.sleep != defaultSleep || c.adminEvery != time.Millisecond || c.upgradeEvery != defaultUpgradeEvery ||
		c.json || c.png != "" || c.cpuprofile != "" || c.from != "" {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if total := c.duration * time.Duration(c.runs()); total < totalRun-time.Second || total > totalRun {
		t.Errorf("default runs take %v, want about %v", total, totalRun)
	}
}

func TestParseConfigFlags(t *testing.T) {
	c, err := parseConfig(strings.Fields("-workload upgrade,queue -duration 2s -rounds 2 -members 7 -reads 1,4 "+
		"-batch 3 -wait block -sleep 2ms -admin-every 3ms -upgrade-every 9 -only cow,isolate -cpu 1,4 "+
		"-json -png x.png -cpuprofile p.out -from r.json"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.duration != 2*time.Second || c.rounds != 2 || c.members != 7 || c.batch != 3 || c.wait != waitBlock ||
		c.sleep != 2*time.Millisecond || c.adminEvery != 3*time.Millisecond || c.upgradeEvery != 9 ||
		!c.json || c.png != "x.png" || c.cpuprofile != "p.out" || c.from != "r.json" {
		t.Errorf("flags not taken: %+v", c)
	}
	// Lists keep the order of the tables, isolate and queue first.
	if want := []string{"isolate", "cow"}; !slices.Equal(c.impls, want) {
		t.Errorf("impls = %v, want %v", c.impls, want)
	}
	if want := []string{"queue", "upgrade"}; !slices.Equal(c.workloads, want) {
		t.Errorf("workloads = %v, want %v", c.workloads, want)
	}
	if !slices.Equal(c.cpus, []int{1, 4}) || !slices.Equal(c.reads, []int{1, 4}) {
		t.Errorf("cpus = %v, reads = %v", c.cpus, c.reads)
	}
	// 2 GOMAXPROCS × 2 workloads × 2 reads × 2 implementations.
	if c.runs() != 16 {
		t.Errorf("runs() = %d, want 16", c.runs())
	}
}

func TestParseConfigAutoDurationSplitsTotal(t *testing.T) {
	c, err := parseConfig(strings.Fields("-workload eventloop -only isolate,rwmutex -cpu 1,2"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.duration != totalRun/4 {
		t.Errorf("duration = %v, want %v", c.duration, totalRun/4)
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, args := range []string{
		"-only nosuch",
		"-workload nosuch",
		"-cpu 0",
		"-cpu 1,x",
		"-reads -1",
		"-reads 1,,2",
		"-members -1",
		"-batch -1",
		"-rounds 0",
		"-wait sometimes",
		"-sleep 0s",
		"-admin-every 0s",
		"-upgrade-every 0",
		"-duration -1s",
		"extra",
		"-nosuchflag",
	} {
		if _, err := parseConfig(strings.Fields(args), io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// The usage names every workload and every implementation.
func TestParseConfigHelp(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"-h"}, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, want := range append(append([]string{"usage: isobench", "-admin-every", "-workload"}, guardNames()...), workloadNames()...) {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}
