package isolate

import (
	"fmt"
	"runtime"
	"time"
)

// A StallReport describes an isolation request that has waited longer than
// [Isolator.StallAfter]. It is what [Isolator.OnStall] receives.
type StallReport struct {
	// Requester is the member that asked (its name), or for an outsider
	// the place it called from ("outsider at file:line").
	Requester string
	// Full is set when the request is for a full isolation.
	Full bool
	// Waited is how long the request had waited when the report was made.
	Waited time.Duration
	// Holder is who holds the isolation the request waits for, as
	// Requester is written; empty when no isolation is in progress.
	Holder string
	// Blockers are the members that keep the request waiting, as
	// [Isolator.Blockers] returns them.
	Blockers []string
}

// defaultStallAfter is StallAfter's value when OnStall is set and
// StallAfter is not.
const defaultStallAfter = time.Second

func (iso *Isolator) stallAfter() time.Duration {
	if iso.StallAfter > 0 {
		return iso.StallAfter
	}
	return defaultStallAfter
}

// watchStall returns a timer channel and its handler for a request that has
// to wait, or nils when no stall report is wanted. Half-way it runs a
// garbage collection, so that a member dropped without Leave is found
// leaked before the report; at StallAfter it reports, once.
func (iso *Isolator) watchStall(req *request) (<-chan time.Time, func(), func()) {
	if iso.OnStall == nil {
		return nil, nil, nil
	}
	after := iso.stallAfter()
	t := time.NewTimer(after / 2)
	phase := 0
	onTick := func() {
		phase++
		switch phase {
		case 1:
			runtime.GC()
			t.Reset(after - after/2)
		case 2:
			iso.mu.Lock()
			if req.since.IsZero() { // granted as the timer fired
				iso.mu.Unlock()
				return
			}
			r := StallReport{
				Requester: req.describe(),
				Full:      req.full,
				Waited:    time.Since(req.since),
				Blockers:  iso.blockersLocked(),
			}
			if iso.owner != nil {
				r.Holder = iso.owner.describe()
			}
			iso.mu.Unlock()
			go iso.OnStall(r)
		}
	}
	return t.C, onTick, func() { t.Stop() }
}

// describe names the goroutine behind a request.
func (req *request) describe() string {
	if req.member != nil {
		return req.member.slot.describe()
	}
	if req.pc == 0 {
		return "outsider"
	}
	f, _ := runtime.CallersFrames([]uintptr{req.pc}).Next()
	return fmt.Sprintf("outsider at %s:%d", f.File, f.Line)
}
