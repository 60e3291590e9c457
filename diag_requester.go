package isolate

import (
	"runtime"
	"slices"

	"github.com/isolatekit/isolate/arch"
)

// Whom a stall report names, and how it finds them: the requester (a
// party: its member, where it called from), the holder of the isolation,
// and a member that asked through the Isolator and so waits for itself.
//
// If named members are involved, a report takes one dump of every
// goroutine (see diag_goroutine.go) to say where each waits, and to find a
// member that asked through the Isolator and waits for itself. Without a
// dump, reports also compare goroutines by arch.G: a member records its
// goroutine's when it joins with Join or JoinNamed (not when it joins
// idle: callback frameworks run those on other goroutines), and when a
// Busy scope makes it run, until that scope's End; a request, a grace
// period or a held member records its waiting goroutine's. A requester
// whose G is a joined member's is that member. A G identifies a goroutine
// only while it lives, and a member handed to another goroutine keeps its
// joiner's: this is a diagnostic, which may (rarely) name the wrong
// member, never a rule that anything depends on.

// The methods in which a goroutine that is a member may wait for itself,
// by the kind of its request.
var (
	isolateMethods     = []string{"(*Isolator).Isolate", "(*Isolator).IsolateContext"}
	isolateFullMethods = []string{"(*Isolator).IsolateFull", "(*Isolator).IsolateFullContext"}
	graceMethods       = []string{"(*Isolator).Synchronize", "(*Isolator).SynchronizeContext"}
	joinMethods        = []string{"(*Isolator).Join", "(*Isolator).JoinNamed"}
)

// holderLocked collects who holds the isolation (under mu); nil if nobody
// does.
func (iso *Isolator) holderLocked() *party {
	o := iso.owner
	if o == nil {
		return nil
	}
	h := o.who()
	h.isolated = true
	if !o.waitCounted {
		h.site.n = 0 // granted at once: the call site was not recorded (site is an earlier wait's)
	}
	return &h
}

// namedLocked collects the members that joined with a name, whose
// goroutines a report can find (under mu).
func (iso *Isolator) namedLocked() []sighting {
	var named []sighting
	iso.eachMember(func(sl *slot) {
		if sl.diag.goid.Load() != 0 {
			named = append(named, sighting{slot: sl, seen: sl.word.load()})
		}
	})
	return named
}

// locate says where the goroutines of the report's named members wait,
// from one dump of all goroutines (none if no member is named), and finds
// the requester among named: a request through the Isolator (in one of
// methods) by a goroutine that joined a named member is that member's.
// A member that joined idle is left out of both: it may have been handed
// to another goroutine since (see JoinIdleNamed).
// It returns the goroutines of the dump: every one if all is set.
func (r *StallReport) locate(named []MemberInfo, methods []string, all bool) map[uint64]goroutineTrace {
	want := map[uint64]bool{}
	for _, mi := range named {
		want[mi.Goroutine] = true
	}
	traces := dumpGoroutines(want, all)
	if traces == nil {
		return nil
	}
	where := func(mi *MemberInfo) {
		if mi == nil || mi.Goroutine == 0 || mi.JoinedIdle {
			return // a member that joined idle may be on another goroutine
		}
		t, ok := traces[mi.Goroutine]
		if !ok {
			mi.WaitReason = goroutineExited
			return
		}
		mi.WaitReason, mi.Stack = t.reason, userFrames(t.frames)
	}
	where(r.Requester.Member)
	if r.Holder != nil {
		where(r.Holder.Member)
	}
	for i := range r.Blockers {
		where(&r.Blockers[i])
	}
	for i := range r.Waiters {
		where(r.Waiters[i].Member)
	}
	if r.Requester.Member != nil || methods == nil {
		return traces
	}
	for i := range named {
		mi := &named[i]
		t, ok := traces[mi.Goroutine]
		if !ok || mi.JoinedIdle || !callsInto(t.frames, methods, r.Requester.Caller) {
			continue
		}
		where(mi)
		r.askedBy([]MemberInfo{*mi})
		return traces
	}
	return traces
}

// askedBy makes the member of self (none: nothing to do), whose goroutine
// made the report's request through the Isolator, its Requester, unless it
// has one: it waits for itself if it blocks the request.
func (r *StallReport) askedBy(self []MemberInfo) {
	if len(self) == 0 || r.Requester.Member != nil {
		return
	}
	mi := &self[0]
	r.Requester.Member = mi
	r.WaitsForItself = slices.ContainsFunc(r.Blockers, func(b MemberInfo) bool { return b.Slot == mi.Slot }) ||
		r.Holder != nil && r.Holder.Member != nil && r.Holder.Member.Slot == mi.Slot
}

// joinedOnLocked returns the member (at most one) other than on slot not
// that the goroutine g (arch.G) joined, in slot order; none if g is 0
// (under mu).
func (iso *Isolator) joinedOnLocked(g uintptr, not *slot) []sighting {
	var found []sighting
	if g == 0 {
		return nil
	}
	iso.eachMember(func(sl *slot) {
		if len(found) == 0 && sl != not && sl.diag.loadG() == g {
			found = append(found, sighting{slot: sl, seen: sl.word.load()})
		}
	})
	return found
}

// A party is who made a request, as collected under mu: its member's slot
// and state (nil for an outsider), where it called from (pc for a grace
// period, site for a request), and whether it holds the isolation.
type party struct {
	slot     *slot
	seen     stateBits
	pc       uintptr
	site     waitSite
	isolated bool
}

// who collects who made req (under mu).
func (req *request) who() party {
	p := party{site: req.site}
	if mb := req.member; mb != nil {
		p.slot, p.seen = mb.slot, mb.word.load()
	}
	return p
}

// requester describes p.
func (p party) requester() Requester {
	var r Requester
	if p.slot != nil {
		mi := p.slot.info(p.seen)
		if p.isolated {
			mi.State = StateIsolated
		}
		r.Member = &mi
	}
	if p.pc != 0 {
		r.Caller, _ = runtime.CallersFrames([]uintptr{p.pc}).Next()
	} else {
		r.Caller = p.site.caller()
	}
	return r
}

// requesterOrNil describes p; nil if p is.
func (p *party) requesterOrNil() *Requester {
	if p == nil {
		return nil
	}
	r := p.requester()
	return &r
}

// A waitSite is where a request that waits was made, as its wait path
// records it: the return addresses of the frames above the recorder, found
// by frame pointers (arch.CallerPCs), or by runtime.Callers on the ports
// without them, which decodes every frame's tables on every wait. They are
// resolved only when a report needs the caller: the first frame outside
// this library after its own frames (Isolate, Do, or a variant, and what
// they call), however the compiler inlined them.
type waitSite struct {
	pcs [waitSiteFrames]uintptr
	n   int
}

// waitSiteFrames is how many frames a waitSite keeps: more than the
// library's own frames on any wait path (watchStall, awaitGrant, acquire,
// isolate or combine, Isolate or Do), even with none of them inlined. It
// also bounds the frame-pointer walk, which must stay in Go code (see
// arch.CallerPCs): above a caller that C called through cgo lie cgo's
// wrapper and three runtime frames, the last one's on the thread's stack,
// before the first C frame; with at least two library frames of their own
// above record (watchStall, awaitGrant and acquire are too large to
// inline), the walk never reads a C frame.
const waitSiteFrames = 8

// record records where its caller was called from (see waitSite).
//
//go:noinline
func (c *waitSite) record() {
	if c.n = arch.CallerPCs(c.pcs[:]); c.n == 0 {
		c.recordCallers()
	}
}

// recordCallers is record by runtime.Callers, for the ports without frame
// pointers: from the frame that called record, as arch.CallerPCs.
func (c *waitSite) recordCallers() {
	c.n = runtime.Callers(3, c.pcs[:]) // skip Callers, recordCallers, record
}

// caller returns the frame that called into the library; zero if none was
// recorded.
func (c *waitSite) caller() runtime.Frame {
	if c.n == 0 {
		return runtime.Frame{}
	}
	frames := runtime.CallersFrames(c.pcs[:c.n])
	inLibrary := false
	for {
		f, more := frames.Next()
		if libraryFrame(f) {
			inLibrary = true
		} else if inLibrary {
			return f
		}
		if !more {
			return runtime.Frame{}
		}
	}
}
