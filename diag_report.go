package isolate

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"
)

// What a stall report says, and how it is written; diag_stall.go says when
// reports are made, diag_requester.go whom they name.

// A StallKind is what waited in a stall report.
type StallKind uint8

const (
	// StallIsolation: a plain isolation request ([Isolator.Isolate],
	// [Member.Isolate] or their variants).
	StallIsolation StallKind = iota
	// StallFullIsolation: a full isolation request.
	StallFullIsolation
	// StallGracePeriod: a grace period ([Isolator.Synchronize], or
	// deferred funcs, whose Requester is where the first func of the
	// batch was deferred). Blockers are the members never idle since it
	// began; Holder is nil.
	StallGracePeriod
	// StallHeldIsolation: an isolation held while members wait to run
	// (ending a scope, or joining): Holder holds it, Waiters wait for it,
	// Requester is zero.
	StallHeldIsolation
	// StallJoin: as StallHeldIsolation, where a member's goroutine waits
	// in Join: the Requester (the member that joins, or a member whose
	// goroutine joins again, maybe inside its own isolation).
	StallJoin
)

func (k StallKind) String() string {
	switch k {
	case StallIsolation:
		return "isolation"
	case StallFullIsolation:
		return "full isolation"
	case StallGracePeriod:
		return "grace period"
	case StallHeldIsolation:
		return "held isolation"
	case StallJoin:
		return "join"
	}
	return fmt.Sprintf("StallKind(%d)", uint8(k))
}

// A StallReport describes a wait that has lasted longer than
// [Isolator.StallAfter]: an isolation request, a grace period, or members
// held by an isolation (see [StallKind]). It is what [Isolator.OnStall]
// receives, and what is logged when OnStall is nil. A wait that lasts is
// reported again, at intervals that double from StallAfter up to a minute.
type StallReport struct {
	// Kind is what waits.
	Kind StallKind
	// Requester is who asked. A request made through the Isolator by a
	// goroutine that joined a member (with Join or JoinNamed; on the
	// ports where [github.com/isolatekit/isolate/arch.G] is 0, with JoinNamed only), or by a goroutine
	// that joined a named member, is that member's.
	Requester Requester
	// WaitsForItself is set when the Requester is a member that keeps its
	// own request waiting: it asked through the Isolator (Isolate,
	// IsolateFull, Synchronize) instead of through its Member, or joins
	// again inside its own isolation.
	WaitsForItself bool
	// Waited is how long the wait has lasted in all, when the report was
	// made (for held members, the longest of their waits).
	Waited time.Duration
	// Count numbers the reports of this wait: 1 for the first.
	Count int
	// Holder is who holds the isolation the request waits for; nil when no
	// isolation is in progress.
	Holder *Requester
	// Blockers are the members that keep the request waiting, as
	// [Isolator.Blockers] returns them.
	Blockers []MemberInfo
	// Waiters, in a held-isolation or join report, are who waits for the
	// holder: the members held back (ending a scope, or joining), then the
	// pending isolation requests.
	Waiters []Requester
}

// A Requester is who asked for an isolation: a member, or an outsider (a
// goroutine that is not a member).
type Requester struct {
	// Member describes the member; nil for an outsider.
	Member *MemberInfo
	// Caller is where the request was made: the caller of Isolate or its
	// variants. It is known for requests that had to wait; zero otherwise
	// (a request granted at once, a member held back).
	Caller runtime.Frame
}

// String names the requester for logs: the member, or "outsider", and where
// it called from, if known.
func (r Requester) String() string {
	who := "outsider"
	if r.Member != nil {
		who = "member " + r.Member.String()
	}
	if r.Caller.File == "" {
		return who
	}
	return fmt.Sprintf("%s at %s:%d", who, r.Caller.File, r.Caller.Line)
}

// stallCauses names the usual causes of a stalled isolation, for the log.
const stallCauses = "usual causes: a member that blocks outside a Harmless scope " +
	"(wrap every blocking call), a member that isolates through the Isolator " +
	"instead of its Member (it waits for itself), or an isolating goroutine " +
	"that holds a lock a running member waits for"

// graceStallCauses names the usual causes of a stalled grace period.
const graceStallCauses = "usual causes: a member that blocks outside an Idle scope " +
	"(wrap waits for the next job in one), a member that calls Synchronize " +
	"while not idle (it waits for itself), or a Synchronize inside an " +
	"isolated section (the members it holds back cannot become idle)"

// heldStallCauses names the usual causes of an isolation held long.
const heldStallCauses = "usual causes: an isolated section that blocks (a channel " +
	"operation, I/O, a lock) or runs long, a release that is never called, " +
	"or a Join or Synchronize inside the isolated section"

// String describes the stall in one line, with its usual causes.
func (r StallReport) String() string {
	var b strings.Builder
	switch r.Kind {
	case StallHeldIsolation:
		fmt.Fprintf(&b, "isolate: isolation held by %s has kept %d waiting for %v", r.holder(), len(r.Waiters), r.Waited)
	case StallJoin:
		fmt.Fprintf(&b, "isolate: Join by %s has waited %v for the isolation held by %s", r.Requester, r.Waited, r.holder())
	default:
		fmt.Fprintf(&b, "isolate: %s requested by %s has waited %v", r.Kind, r.Requester, r.Waited)
		if r.Holder != nil {
			fmt.Fprintf(&b, "; held by %s", r.Holder)
		}
	}
	if r.Count > 1 {
		fmt.Fprintf(&b, " (report %d)", r.Count)
	}
	if r.WaitsForItself {
		b.WriteString("; it waits for itself: ")
		b.WriteString(r.selfHint())
	}
	if len(r.Blockers) > 0 {
		b.WriteString("; blocked by ")
		writeList(&b, r.Blockers)
	}
	if len(r.Waiters) > 0 {
		b.WriteString("; waiting: ")
		writeList(&b, r.Waiters)
	}
	b.WriteString("; ")
	b.WriteString(r.causes())
	return b.String()
}

// writeList writes the first maxListed entries of list, and how many more
// there are: a stall with thousands of members stays one readable line.
func writeList[T fmt.Stringer](b *strings.Builder, list []T) {
	for i, x := range list[:min(len(list), maxListed)] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(x.String())
	}
	if len(list) > maxListed {
		fmt.Fprintf(b, " and %d more", len(list)-maxListed)
	}
}

// maxListed is how many members or requests String lists of each kind.
const maxListed = 16

// holder names the holder, "nobody" when none.
func (r StallReport) holder() string {
	if r.Holder == nil {
		return "nobody (a pending request holds them)"
	}
	return r.Holder.String()
}

// selfHint says what a requester that waits for itself should do instead.
func (r StallReport) selfHint() string {
	switch r.Kind {
	case StallIsolation:
		return "a member isolates with m.Isolate(), not through the Isolator"
	case StallFullIsolation:
		return "a member isolates with m.IsolateFull(), not through the Isolator"
	case StallGracePeriod:
		return "a member calls Synchronize inside an Idle scope (or uses Defer)"
	}
	return "a member must not Join again, least of all inside its own isolation"
}

func (r StallReport) causes() string {
	switch r.Kind {
	case StallGracePeriod:
		return graceStallCauses
	case StallHeldIsolation, StallJoin:
		return heldStallCauses
	}
	return stallCauses
}

// message is the report's log message.
func (r StallReport) message() string {
	switch r.Kind {
	case StallGracePeriod:
		return "isolate: grace period stalled"
	case StallHeldIsolation:
		return "isolate: isolation held long"
	case StallJoin:
		return "isolate: join stalled"
	}
	return "isolate: isolation stalled"
}

// log writes the report as a warning to log/slog's default logger.
func (r StallReport) log() {
	attrs := []slog.Attr{slog.String("kind", r.Kind.String())}
	if r.Kind != StallHeldIsolation { // which has no one requester
		attrs = append(attrs, slog.String("requester", r.Requester.String()))
	}
	attrs = append(attrs, slog.Duration("waited", r.Waited), slog.Int("count", r.Count))
	if r.WaitsForItself {
		attrs = append(attrs, slog.String("waits_for_itself", r.selfHint()))
	}
	if r.Holder != nil {
		attrs = append(attrs, slog.String("holder", r.Holder.String()))
	}
	attrs = append(attrs, slog.Any("blockers", strs(r.Blockers)))
	if len(r.Waiters) > 0 {
		attrs = append(attrs, slog.Any("waiters", strs(r.Waiters)))
	}
	if stacks := r.stacks(); len(stacks) > 0 {
		attrs = append(attrs, slog.Any("stacks", stacks))
	}
	attrs = append(attrs, slog.String("hint", r.causes()))
	slog.Default().LogAttrs(context.Background(), slog.LevelWarn, r.message(), attrs...)
}

func strs[T fmt.Stringer](list []T) []string {
	out := make([]string, len(list))
	for i, x := range list {
		out[i] = x.String()
	}
	return out
}

// stacks returns the top frames of the goroutines the report found, one
// string per member: "name: fn at file:line < fn at file:line".
func (r StallReport) stacks() []string {
	var out []string
	seen := map[int]bool{}
	add := func(mi *MemberInfo) {
		if mi == nil || len(mi.Stack) == 0 || seen[mi.Slot] {
			return
		}
		seen[mi.Slot] = true
		var b strings.Builder
		fmt.Fprintf(&b, "%s: ", mi.Name)
		for i, f := range mi.Stack {
			if i > 0 {
				b.WriteString(" < ")
			}
			fmt.Fprintf(&b, "%s at %s:%d", f.Function, f.File, f.Line)
		}
		out = append(out, b.String())
	}
	add(r.Requester.Member)
	if r.Holder != nil {
		add(r.Holder.Member)
	}
	for i := range r.Blockers {
		add(&r.Blockers[i])
	}
	for _, w := range r.Waiters {
		add(w.Member)
	}
	return out
}

// send hands the report to onStall, or logs it if onStall is nil.
func (r StallReport) send(onStall func(StallReport)) {
	if onStall != nil {
		onStall(r)
		return
	}
	r.log()
}
