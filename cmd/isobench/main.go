// Command isobench runs workloads under the isolate package and under each
// of its peers, and prints a table per workload with each peer's ratios to
// isolate.
//
// Members read a shared table; an admin changes the whole table or dumps
// it ("show fd"), alone, every -admin-every. The workloads:
//
//	queue           one producer feeds every member through one shared channel
//	eventloop       the seed's loop: each member waits on its own event source
//	                (in a harmless scope), then processes a batch of events
//	perrequest      a goroutine per request, as net/http runs: join, read the
//	                request (harmless), read the table, leave
//	oversubscribed  1,000 members, each asleep most of the time
//	upgrade         the event loop, with members that sometimes change the
//	                table themselves (isolate: m.IsolateScope(); RWMutex: RUnlock,
//	                Lock, re-validate)
//	writeheavy      every event ends with a short write of one record:
//	                isolate, isolate-do (m.Do), RWMutex and Mutex only
//	saturated       4 workers fed by a channel that in-process clients keep
//	                full; the admin rewrites a map and publishes a config
//	                (isolate: Isolate, then a grace period; RWMutex: Lock)
//
// oversubscribed runs at 1,000 and at 10,000 members. Under some tables,
// goal lines compare isolate with a peer on the median over the rounds of
// the per-round ratios (issue 18's goals), and say whether each is met.
//
// The implementations:
//
//	isolate    members wait in a harmless scope; the admin isolates itself
//	rwmutex    sync.RWMutex: RLock around each batch, Lock for the admin
//	rbmutex    xsync.RBMutex (BRAVO): the same
//	cow        atomic.Pointer copy-on-write: one load per batch, a full copy per change
//	seedref    HAProxy's 2018 shared-mask rendez-vous (internal/seedref)
//	syncpoint  the sync point it replaced: the admin wakes every member, waits for all
//	mutex      sync.Mutex: Lock around each batch and write (writeheavy only)
//	isolate-do isolate, its members' writes as combined sections (writeheavy only)
//
// Columns: jobs/s (events, or requests), its ratio to isolate's with the
// same settings, and the range of that ratio over the rounds (how much the
// machine's noise moved it); admin operations/s; admin latency (from the
// request to the end of the operation) p50, p99 and max; the process's CPU
// seconds per million jobs; and the ratios of admin p99 and CPU per job to
// isolate's. A note follows a table whose admin p99 rests on fewer than
// 1,000 samples.
//
// Usage:
//
//	go run ./cmd/isobench [-workload w,...] [-duration d] [-rounds r]
//		[-members n] [-reads k,...] [-batch n] [-wait poll|block]
//		[-sleep d] [-admin-every d] [-upgrade-every n] [-only impl,...]
//		[-cpu 1,2,...] [-json] [-png file] [-cpuprofile file]
//	go run ./cmd/isobench -from file [-json] [-png file]
//
// By default every workload runs: 25 s of runs, about 40 s in all with the
// setup of each (10,000 members to start, for one). Each run is split into
// -rounds parts, and the implementations take turns, so that a change in
// the machine's load affects all alike. With several -reads values, a sweep
// table shows jobs/s by -reads. Progress goes to stderr when it is a
// terminal, and not with -json. -from prints the tables (or draws the
// chart) of an earlier -json run without running anything.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"
)

func main() {
	err := isobench(os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "isobench:", err)
		os.Exit(2)
	}
}

// isTerminal reports whether w is a terminal, where a progress bar belongs
// (not a log file).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// isobench runs the command with arguments args.
func isobench(args []string, stdout, stderr io.Writer) error {
	c, err := parseConfig(args, stderr)
	if err != nil {
		return err
	}
	if c.cpuprofile != "" {
		stop, err := profile(c.cpuprofile)
		if err != nil {
			return err
		}
		defer stop()
	}
	var rs []result
	if c.from != "" {
		rs, err = readJSON(c.from)
		if err != nil {
			return fmt.Errorf("-from: %w", err)
		}
	} else {
		rs = results(runAll(c, stderr))
	}
	if c.json {
		err = writeJSON(stdout, rs)
	} else {
		err = writeTables(stdout, rs)
	}
	if err != nil {
		return err
	}
	if c.png != "" {
		if err := writeChart(c.png, rs); err != nil {
			return fmt.Errorf("-png: %w", err)
		}
	}
	for _, r := range rs {
		if r.Torn > 0 {
			return fmt.Errorf("%s is broken in %s: %d batches or dumps saw the table change under them", r.Impl, r.Workload, r.Torn)
		}
	}
	return nil
}

// runAll runs the schedule and returns one measurement per run, its rounds
// merged, in the order of a round.
func runAll(c config, stderr io.Writer) []measurement {
	runs := schedule(c)
	ms := make([]measurement, len(runs)/c.rounds)
	var prog *progress
	if !c.json && isTerminal(stderr) {
		prog = newProgress(stderr, c.duration*time.Duration(len(ms)))
	}
	for i, p := range runs {
		prog.start(p)
		ms[i%len(ms)] = merge(ms[i%len(ms)], measure(p, prog.tick))
		prog.finish(p.duration)
	}
	prog.close()
	return ms
}

// profile starts a CPU profile into file; stop ends it.
func profile(file string) (stop func(), err error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("-cpuprofile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
