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

// totalRun is how long a whole run takes by default: -duration, when not
// given, is totalRun divided by the number of runs.
const totalRun = 20 * time.Second

// config is what the command line asks for.
type config struct {
	// duration is the length of one run (one implementation at one
	// GOMAXPROCS), warm-up included.
	duration time.Duration
	// members is the number of member goroutines; 0 means twice
	// GOMAXPROCS, at each GOMAXPROCS of cpus.
	members int
	// rounds is the number of parts each run is split into.
	rounds     int
	reads      int
	adminEvery time.Duration
	// impls are the implementations to run, in the order of guards.
	impls []string
	cpus  []int
	json  bool
	png   string
}

// runs returns the number of runs the configuration asks for.
func (c config) runs() int { return len(c.impls) * len(c.cpus) }

// membersAt returns the number of members at GOMAXPROCS procs.
func (c config) membersAt(procs int) int {
	if c.members > 0 {
		return c.members
	}
	return 2 * procs
}

// parseConfig parses the command line (without the program name). Usage
// and errors go to out.
func parseConfig(args []string, out io.Writer) (config, error) {
	var c config
	var only, cpus string
	fs := flag.NewFlagSet("isobench", flag.ContinueOnError)
	fs.SetOutput(out)
	fs.DurationVar(&c.duration, "duration", 0,
		"length of each run (one implementation at one GOMAXPROCS), warm-up included;\n"+
			"default: "+totalRun.String()+" divided by the number of runs")
	fs.IntVar(&c.rounds, "rounds", 3, "split each run into this many parts, the implementations taking turns")
	fs.IntVar(&c.members, "members", 0, "member goroutines (default 2×GOMAXPROCS)")
	fs.IntVar(&c.reads, "reads", 32, "table reads per job")
	fs.DurationVar(&c.adminEvery, "admin-every", time.Millisecond, "interval between admin operations")
	fs.StringVar(&only, "only", "", "comma-separated implementations to run (default all: "+strings.Join(guardNames(), ",")+")")
	fs.StringVar(&cpus, "cpu", "", "comma-separated GOMAXPROCS values to run at (default the current one)")
	fs.BoolVar(&c.json, "json", false, "print results as JSON, and no progress")
	fs.StringVar(&c.png, "png", "", "write a bar chart of the ratios to isolate to this PNG `file`")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: isobench [flags]\n\n"+
			"isobench runs the same workload, members reading a shared table that an\n"+
			"admin goroutine changes every -admin-every, under each implementation,\n"+
			"and prints a comparison table.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	var err error
	if c.impls, err = parseOnly(only); err != nil {
		return c, err
	}
	if c.cpus, err = parseCPUs(cpus); err != nil {
		return c, err
	}
	switch {
	case c.members < 0:
		return c, errors.New("-members must not be negative")
	case c.rounds < 1:
		return c, errors.New("-rounds must be at least 1")
	case c.reads < 0:
		return c, errors.New("-reads must not be negative")
	case c.adminEvery <= 0:
		return c, errors.New("-admin-every must be positive")
	case c.duration < 0:
		return c, errors.New("-duration must not be negative")
	}
	if c.duration == 0 {
		c.duration = totalRun / time.Duration(c.runs())
	}
	return c, nil
}

// parseOnly parses -only: known implementation names, kept in the order
// of guards; all of them when s is empty.
func parseOnly(s string) ([]string, error) {
	all := guardNames()
	if s == "" {
		return all, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(all, name) {
			return nil, fmt.Errorf("-only: unknown implementation %q (known: %s)", name, strings.Join(all, ", "))
		}
		want[name] = true
	}
	var impls []string
	for _, name := range all {
		if want[name] {
			impls = append(impls, name)
		}
	}
	return impls, nil
}

// parseCPUs parses -cpu as go test does: a comma-separated list of positive
// GOMAXPROCS values; the current GOMAXPROCS when s is empty.
func parseCPUs(s string) ([]int, error) {
	if s == "" {
		return []int{runtime.GOMAXPROCS(0)}, nil
	}
	var cpus []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("-cpu: %q is not a positive number", f)
		}
		cpus = append(cpus, n)
	}
	return cpus, nil
}
