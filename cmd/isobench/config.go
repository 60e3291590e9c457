package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// totalRun is how long the runs take in all by default: -duration, when
// not given, is totalRun divided by the number of runs.
const totalRun = 25 * time.Second

// config is what the command line asks for.
type config struct {
	// duration is the length of one run (one workload under one
	// implementation at one GOMAXPROCS and -reads), warm-up included.
	duration time.Duration
	// rounds is the number of parts each run is split into.
	rounds int
	// members, batch: 0 means each workload's default.
	members, batch int
	// reads are the -reads values to run; nil means each workload's
	// default.
	reads        []int
	wait         string
	sleep        time.Duration
	adminEvery   time.Duration
	upgradeEvery int
	workloads    []string
	// impls are the implementations to run, in the order of guards.
	impls      []string
	cpus       []int
	json       bool
	png        string
	cpuprofile string
	// from is a file of -json output to report on instead of running.
	from string
}

// parseConfig parses the command line (without the program name). Usage
// and errors go to out.
func parseConfig(args []string, out io.Writer) (config, error) {
	c := config{rounds: 3}
	var only, wls, cpus, reads string
	fs := flag.NewFlagSet("isobench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.StringVar(&wls, "workload", "", "comma-separated workloads to run (default all: "+strings.Join(workloadNames(), ",")+")")
	fs.DurationVar(&c.duration, "duration", 0,
		"length of each run (one workload, implementation, GOMAXPROCS and -reads), warm-up included;\n"+
			"default: "+totalRun.String()+" divided by the number of runs")
	fs.IntVar(&c.rounds, "rounds", c.rounds, "split each run into this many parts, the implementations taking turns")
	fs.IntVar(&c.members, "members", 0, "members (perrequest: requests in flight); default: the workload's")
	fs.StringVar(&reads, "reads", "", "table reads per event; a comma-separated list sweeps them (default: the workload's)")
	fs.IntVar(&c.batch, "batch", 0, "events per batch, between two waits (default: the workload's)")
	fs.StringVar(&c.wait, "wait", waitPoll, "what a member's wait costs: "+waitPoll+" (the batch is there at once: a saturated server)\n"+
		"or "+waitBlock+" (the member parks until its own feeder goroutine hands the batch over); eventloop, upgrade and writeheavy")
	fs.DurationVar(&c.sleep, "sleep", defaultSleep, "how long an oversubscribed member sleeps between batches")
	fs.DurationVar(&c.adminEvery, "admin-every", time.Millisecond, "interval between admin operations")
	fs.IntVar(&c.upgradeEvery, "upgrade-every", defaultUpgradeEvery, "batches between two changes by a member, in the upgrade workload")
	fs.StringVar(&only, "only", "", "comma-separated implementations to run (default all: "+strings.Join(guardNames(), ",")+")")
	fs.StringVar(&cpus, "cpu", "", "comma-separated GOMAXPROCS values to run at (default the current one)")
	fs.BoolVar(&c.json, "json", false, "print results as JSON, and no progress")
	fs.StringVar(&c.png, "png", "", "write a bar chart of the ratios to isolate to this PNG `file`")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the whole run to `file`")
	fs.StringVar(&c.from, "from", "", "run nothing: report on the rows that an earlier -json run wrote to `file`")
	fs.Usage = func() { usage(fs) }
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var err error
	if c.workloads, err = parseNames("-workload", wls, workloadNames()); err != nil {
		return c, err
	}
	if c.impls, err = parseNames("-only", only, guardNames()); err != nil {
		return c, err
	}
	if c.cpus, err = parseInts("-cpu", cpus, 1); err != nil {
		return c, err
	}
	if c.cpus == nil {
		c.cpus = []int{runtime.GOMAXPROCS(0)}
	}
	if c.reads, err = parseInts("-reads", reads, 0); err != nil {
		return c, err
	}
	if err := c.check(); err != nil {
		return c, err
	}
	if c.duration == 0 {
		c.duration = totalRun / time.Duration(c.runs())
	}
	return c, nil
}

// check rejects values that no run can use.
func (c config) check() error {
	switch {
	case c.members < 0:
		return errors.New("-members must not be negative")
	case c.batch < 0:
		return errors.New("-batch must not be negative")
	case c.rounds < 1:
		return errors.New("-rounds must be at least 1")
	case c.wait != waitPoll && c.wait != waitBlock:
		return fmt.Errorf("-wait must be %s or %s", waitPoll, waitBlock)
	case c.sleep <= 0:
		return errors.New("-sleep must be positive")
	case c.adminEvery <= 0:
		return errors.New("-admin-every must be positive")
	case c.upgradeEvery <= 0:
		return errors.New("-upgrade-every must be positive")
	case c.duration < 0:
		return errors.New("-duration must not be negative")
	}
	return nil
}

func usage(fs *flag.FlagSet) {
	w := fs.Output()
	fmt.Fprintf(w, "usage: isobench [flags]\n\n"+
		"isobench runs workloads in which members read a shared table that an admin\n"+
		"changes or dumps every -admin-every, under each implementation, and prints a\n"+
		"table per workload with each implementation's ratios to isolate.\n\nWorkloads:\n")
	for _, wl := range workloads {
		fmt.Fprintf(w, "  %-15s %s\n", wl.name, wl.doc)
	}
	fmt.Fprintf(w, "\nImplementations:\n")
	for _, g := range guards {
		fmt.Fprintf(w, "  %-15s %s\n", g.name, g.doc)
	}
	fmt.Fprintf(w, "\nFlags:\n")
	fs.PrintDefaults()
}

// parseNames parses a comma-separated list of names out of known, kept in
// the order of known; all of them when s is empty.
func parseNames(flagName, s string, known []string) ([]string, error) {
	if s == "" {
		return known, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("%s: unknown name %q (known: %s)", flagName, name, strings.Join(known, ", "))
		}
		want[name] = true
	}
	var names []string
	for _, name := range known {
		if want[name] {
			names = append(names, name)
		}
	}
	return names, nil
}

// parseInts parses a comma-separated list of integers of at least least,
// as go test parses -cpu; nil when s is empty.
func parseInts(flagName, s string, least int) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var ns []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			return nil, fmt.Errorf("%s: %q is not a number of at least %d", flagName, f, least)
		}
		ns = append(ns, n)
	}
	return ns, nil
}
