// Command isobench runs a realistic workload under the isolate package and
// under each of its peers, and prints a comparison table.
//
// The workload is the one HAProxy's rendez-vous point was made for, an
// event loop with a shared table: members (default 2×GOMAXPROCS goroutines)
// each wait for a job on a channel fed by a producer, then read the shared
// table (-reads times); an admin goroutine, every -admin-every, changes the
// whole table or dumps it ("show fd"), alone. The implementations:
//
//	isolate    members wait for work in a harmless scope; the admin isolates itself
//	rwmutex    sync.RWMutex: RLock around each job, Lock for the admin
//	rbmutex    xsync.RBMutex (BRAVO): the same
//	cow        atomic.Pointer copy-on-write: one load per job, a full copy per change
//	seedref    HAProxy's 2018 shared-mask rendez-vous (internal/seedref)
//	syncpoint  the sync point it replaced: the admin wakes every member, waits for all
//
// Columns: jobs/s; admin operations/s; admin latency (from the request to
// the end of the operation) p50, p99 and max; the process's CPU seconds per
// million jobs; and the ratios of jobs/s, admin p99 and CPU per job to
// isolate's at the same GOMAXPROCS.
//
// Usage:
//
//	go run ./cmd/isobench [-duration d] [-rounds r] [-members n] [-reads k]
//		[-admin-every t] [-only impl,...] [-cpu 1,2,...] [-json] [-png file]
//
// The whole run takes about 20 s unless -duration (per implementation and
// GOMAXPROCS) says otherwise. Each run is split into -rounds parts, and the
// implementations take turns, so that a change in the machine's load
// affects all alike. Progress goes to stderr, when it is a terminal, and
// not with -json.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
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
	var prog *progress
	if !c.json && isTerminal(stderr) {
		prog = newProgress(stderr, c.duration*time.Duration(c.runs()))
	}
	runs := schedule(c)
	ms := make([]measurement, len(runs)/c.rounds) // one per GOMAXPROCS and implementation
	for i, p := range runs {
		prog.start(p.impl, p.procs)
		m := runWorkload(p, prog.tick)
		ms[i%len(ms)] = merge(ms[i%len(ms)], m)
		prog.finish(p.duration)
	}
	prog.close()
	rs := results(ms)
	if c.json {
		err = writeJSON(stdout, rs)
	} else {
		err = writeTable(stdout, rs)
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
			return fmt.Errorf("%s is broken: %d jobs or dumps saw the table change under them", r.Impl, r.Torn)
		}
	}
	return nil
}
