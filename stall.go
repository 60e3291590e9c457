package isolate

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Stall reports. A request that waits longer than StallAfter is reported
// once, by a timer's goroutine: the requester's own wait does nothing but
// wait, so that a report never delays the grant it reports on. The report
// says what is known then; a member dropped without Leave is named leaked
// once a garbage collection has found it (the library never forces one).

// A StallReport describes an isolation request, or a grace period, that has
// waited longer than [Isolator.StallAfter]: what [Isolator.OnStall]
// receives, and what is logged when OnStall is nil.
type StallReport struct {
	// Requester is who asked.
	Requester Requester
	// Full is set when the request is for a full isolation.
	Full bool
	// Grace is set when the report is about a grace period
	// ([Isolator.Synchronize], or deferred funcs, whose Requester is where
	// the first func of the batch was deferred). Its Blockers are then
	// the members that have not been idle since it began, and Holder is
	// nil.
	Grace bool
	// Waited is how long the request had waited when the report was made.
	Waited time.Duration
	// Holder is who holds the isolation the request waits for; nil when no
	// isolation is in progress.
	Holder *Requester
	// Blockers are the members that keep the request waiting, as
	// [Isolator.Blockers] returns them.
	Blockers []MemberInfo
}

// A Requester is who asked for an isolation: a member, or an outsider (a
// goroutine that is not a member).
type Requester struct {
	// Member describes the member; nil for an outsider.
	Member *MemberInfo
	// Caller is where the request was made: the caller of Isolate or its
	// variants. It is known for requests that had to wait; zero otherwise.
	Caller runtime.Frame
}

// String names the requester for logs: the member, or "outsider", and where
// it called from, if known.
func (r Requester) String() string {
	who := "outsider"
	if r.Member != nil {
		who = "member " + r.Member.Name
	}
	if r.Caller.File == "" {
		return who
	}
	return fmt.Sprintf("%s at %s:%d", who, r.Caller.File, r.Caller.Line)
}

// stallCauses names the usual causes of a stall, for the log.
const stallCauses = "usual causes: a member that blocks outside a Harmless scope " +
	"(wrap every blocking call), a member that isolates through the Isolator " +
	"instead of its Member (it waits for itself), or an isolating goroutine " +
	"that holds a lock a running member waits for"

// graceStallCauses names the usual causes of a stalled grace period.
const graceStallCauses = "usual causes: a member that blocks outside an Idle scope " +
	"(wrap waits for the next job in one), a member that calls Synchronize " +
	"while not idle (it waits for itself), or a Synchronize inside an " +
	"isolated section (the members it holds back cannot become idle)"

// String describes the stall in one line, with its usual causes.
func (r StallReport) String() string {
	var b strings.Builder
	kind := "isolation"
	switch {
	case r.Grace:
		kind = "grace period"
	case r.Full:
		kind = "full isolation"
	}
	fmt.Fprintf(&b, "isolate: %s requested by %s has waited %v", kind, r.Requester, r.Waited)
	if r.Holder != nil {
		fmt.Fprintf(&b, "; held by %s", r.Holder)
	}
	if len(r.Blockers) > 0 {
		b.WriteString("; blocked by ")
		for i, mi := range r.Blockers {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(mi.String())
		}
	}
	b.WriteString("; ")
	b.WriteString(r.causes())
	return b.String()
}

func (r StallReport) causes() string {
	if r.Grace {
		return graceStallCauses
	}
	return stallCauses
}

// defaultStallAfter is StallAfter's value when it is zero.
const defaultStallAfter = time.Second

func (iso *Isolator) stallAfter() time.Duration {
	if iso.StallAfter == 0 {
		return defaultStallAfter
	}
	return iso.StallAfter
}

// watchStall arranges, under mu, for req, about to wait, to be reported if
// it waits StallAfter, and returns the timer to stop when the wait ends; nil
// when stall reports are off. It records where the requester called from.
func (iso *Isolator) watchStall(req *request) *time.Timer {
	after := iso.stallAfter()
	if after < 0 {
		return nil
	}
	var pc [1]uintptr
	// Skip Callers, watchStall, awaitGrant, acquire, isolate and Isolate
	// (or a variant): runtime.Callers counts inlined frames too.
	// TestStallReportNamesBlockerAndHolder checks the count.
	runtime.Callers(6, pc[:])
	req.pc = pc[0]
	req.reported = false
	// A timer for this wait alone, not one kept in req for the next: a
	// timer made in a testing/synctest bubble may not be reset outside
	// it, and req (a member's, or an outsider's spare) outlives bubbles.
	if req.report == nil {
		req.report = func() { iso.reportStall(req) }
	}
	req.stall = time.AfterFunc(after, req.report)
	return req.stall
}

// reportStall reports req if it still waits, has waited StallAfter, and was
// not reported yet. It runs on the timer's goroutine, which may also run late,
// during a later wait of the same request object: the checks sort that out.
func (iso *Isolator) reportStall(req *request) {
	iso.mu.Lock()
	after := iso.stallAfter()
	if req.since.IsZero() || req.reported || time.Since(req.since) < after {
		iso.mu.Unlock()
		return
	}
	req.reported = true
	// Under mu, only collect: names, frames and strings are made after.
	requester := req.who()
	full, waited := req.full, time.Since(req.since)
	blockers := iso.blockersLocked()
	var holder *party
	if o := iso.owner; o != nil {
		h := o.who()
		holder = &h
	}
	onStall := iso.OnStall
	iso.mu.Unlock()

	r := StallReport{Requester: requester.requester(), Full: full, Waited: waited, Blockers: infos(blockers)}
	if holder != nil {
		h := holder.requester()
		r.Holder = &h
	}
	r.send(onStall)
}

// send hands the report to onStall, or logs it if onStall is nil.
func (r StallReport) send(onStall func(StallReport)) {
	if onStall != nil {
		onStall(r)
		return
	}
	r.log()
}

// watchGraceStall arranges for the grace period w, about to wait, to be
// reported if it waits StallAfter, and returns the timer to stop when the
// wait ends; nil when stall reports are off.
func (iso *Isolator) watchGraceStall(w *graceWaiter) *time.Timer {
	after := iso.stallAfter()
	if after < 0 {
		return nil
	}
	return time.AfterFunc(after, func() { iso.reportGraceStall(w) })
}

// reportGraceStall reports the grace period w, which has waited StallAfter,
// with the members that have not been idle since it began; not at all if
// there are none (the waiter has yet to see it). A timer's
// goroutine runs it; under graceState.mu it only collects.
func (iso *Isolator) reportGraceStall(w *graceWaiter) {
	g := &iso.grace
	g.mu.Lock()
	if !slices.Contains(g.waiters, w) {
		g.mu.Unlock()
		return // over meanwhile
	}
	var blockers []watched
	for _, p := range w.pend[w.at.Load():] {
		if word := p.slot.state.Load(); !idleSince(word, p.count) {
			blockers = append(blockers, watched{slot: p.slot, seen: word})
		}
	}
	g.mu.Unlock()
	if len(blockers) == 0 {
		return // every member has been idle: over, but for the waiter's wake-up
	}
	r := StallReport{
		Requester: party{pc: w.pc}.requester(),
		Grace:     true,
		Waited:    time.Since(w.since),
		Blockers:  infos(blockers),
	}
	r.send(iso.OnStall)
}

// log writes the report as a warning to log/slog's default logger.
func (r StallReport) log() {
	attrs := []slog.Attr{
		slog.String("requester", r.Requester.String()),
		slog.Bool("full", r.Full),
		slog.Duration("waited", r.Waited),
	}
	if r.Holder != nil {
		attrs = append(attrs, slog.String("holder", r.Holder.String()))
	}
	blockers := make([]string, len(r.Blockers))
	for i, mi := range r.Blockers {
		blockers[i] = mi.String()
	}
	attrs = append(attrs, slog.Any("blockers", blockers), slog.String("hint", r.causes()))
	msg := "isolate: isolation stalled"
	if r.Grace {
		msg = "isolate: grace period stalled"
	}
	slog.Default().LogAttrs(context.Background(), slog.LevelWarn, msg, attrs...)
}

// A party is who made a request, as collected under mu: its member's slot
// and state (nil for an outsider), and where it called from.
type party struct {
	slot *slot
	seen uint32
	pc   uintptr
}

// who collects who made req (under mu).
func (req *request) who() party {
	p := party{pc: req.pc}
	if m := req.member; m != nil {
		p.slot, p.seen = m.slot, m.state.Load()
	}
	return p
}

// requester describes p.
func (p party) requester() Requester {
	var r Requester
	if p.slot != nil {
		mi := p.slot.info(p.seen)
		r.Member = &mi
	}
	if p.pc != 0 {
		r.Caller, _ = runtime.CallersFrames([]uintptr{p.pc}).Next()
	}
	return r
}
