package main

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress shows on stderr how far the whole run is, in seconds of
// running, and which run is under way. A nil *progress shows nothing.
type progress struct {
	bar  *progressbar.ProgressBar
	done time.Duration // the runs finished
}

func newProgress(w io.Writer, total time.Duration) *progress {
	return &progress{bar: progressbar.NewOptions64(total.Milliseconds(),
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
	)}
}

// start announces a run.
func (p *progress) start(r params) {
	if p != nil {
		p.bar.Describe(fmt.Sprintf("%-14s %-10s GOMAXPROCS=%d reads=%d", r.workload, r.impl, r.procs, r.reads))
	}
}

// tick reports that the current run has taken d so far.
func (p *progress) tick(d time.Duration) {
	if p != nil {
		p.bar.Set64((p.done + d).Milliseconds())
	}
}

// finish reports that the current run, of length d, is over.
func (p *progress) finish(d time.Duration) {
	if p != nil {
		p.done += d
		p.bar.Set64(p.done.Milliseconds())
	}
}

// close removes the bar.
func (p *progress) close() {
	if p != nil {
		p.bar.Finish()
		p.bar.Clear()
	}
}
