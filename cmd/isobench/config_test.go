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
	if !slices.Equal(c.impls, guardNames()) {
		t.Errorf("impls = %v, want all: %v", c.impls, guardNames())
	}
	if want := []int{runtime.GOMAXPROCS(0)}; !slices.Equal(c.cpus, want) {
		t.Errorf("cpus = %v, want %v", c.cpus, want)
	}
	if c.reads != 32 || c.rounds != 3 || c.adminEvery != time.Millisecond || c.members != 0 || c.json || c.png != "" {
		t.Errorf("unexpected defaults: %+v", c)
	}
	if total := c.duration * time.Duration(c.runs()); total < totalRun-time.Second || total > totalRun {
		t.Errorf("default run takes %v, want about %v", total, totalRun)
	}
	if got := c.membersAt(3); got != 6 {
		t.Errorf("membersAt(3) = %d, want 2×GOMAXPROCS = 6", got)
	}
}

func TestParseConfigFlags(t *testing.T) {
	c, err := parseConfig(strings.Fields(
		"-duration 2s -rounds 2 -members 7 -reads 5 -admin-every 3ms -only cow,isolate -cpu 1,4 -json -png x.png"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.duration != 2*time.Second || c.rounds != 2 || c.members != 7 || c.reads != 5 || c.adminEvery != 3*time.Millisecond ||
		!c.json || c.png != "x.png" {
		t.Errorf("flags not taken: %+v", c)
	}
	// -only keeps the order of the table, isolate first.
	if want := []string{"isolate", "cow"}; !slices.Equal(c.impls, want) {
		t.Errorf("impls = %v, want %v", c.impls, want)
	}
	if want := []int{1, 4}; !slices.Equal(c.cpus, want) {
		t.Errorf("cpus = %v, want %v", c.cpus, want)
	}
	if c.membersAt(4) != 7 {
		t.Errorf("-members must override 2×GOMAXPROCS")
	}
	if c.runs() != 4 {
		t.Errorf("runs() = %d, want 4", c.runs())
	}
}

func TestParseConfigAutoDurationSplitsTotal(t *testing.T) {
	c, err := parseConfig([]string{"-only", "isolate,rwmutex", "-cpu", "1,2"}, io.Discard)
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
		"-cpu 0",
		"-cpu 1,x",
		"-members -1",
		"-reads -1",
		"-rounds 0",
		"-admin-every 0s",
		"-duration -1s",
		"extra",
		"-nosuchflag",
	} {
		if _, err := parseConfig(strings.Fields(args), io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestParseConfigHelp(t *testing.T) {
	var out strings.Builder
	_, err := parseConfig([]string{"-h"}, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("err = %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{"usage: isobench", "-admin-every", "syncpoint"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}
