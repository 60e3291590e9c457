package isolate

// The real side of FuzzOps (fuzz_test.go): the drivers that run the
// operations on an Isolator, and the decoding of the fuzz input.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
)

// fuzzOutcome is what a driver sends back for one operation.
type fuzzOutcome struct {
	release  func() // from Isolate and friends, Harmless, Idle, Busy
	member   Member
	failed   bool // TryIsolate returned false
	err      error
	panicked any
	isolated bool // Member.Isolated after the operation
}

func (o fuzzOutcome) result() fuzzResult {
	switch {
	case o.panicked != nil:
		return frPanic
	case o.err != nil:
		return frCtxErr
	case o.failed:
		return frFailed
	}
	return frOK
}

// fuzzEnd is an end func that a member got, with the depth, kind and number
// (fuzzScope.opened) of its scope; or a release that an outsider got, with
// the number of its grant in d.
type fuzzEnd struct {
	f      func()
	d      int
	k      scopeKind
	opened int
}

// fuzzActor is the real side of one actor.
type fuzzActor struct {
	in  chan func() fuzzOutcome
	out chan fuzzOutcome
	// what the blocked operation is: its end func will be at depth d,
	// of kind k (members), and cancel ends its context.
	d      int
	k      scopeKind
	cancel context.CancelFunc
	// m is the member's handle (members only); ends are the end funcs
	// it got last (for misuse), last the latest per depth and kind.
	m    Member
	ends []fuzzEnd
	last map[[2]int]fuzzEnd
}

type fuzzRun struct {
	t      *testing.T
	iso    Isolator
	model  fuzzModel
	actors [fuzzActors]fuzzActor
	// outReleases are the releases that outsiders got, the latest last.
	outReleases []fuzzEnd
	// last is the actor that the current step drives.
	last  int
	trace []string
	// deferLog are the numbers of the deferred funcs that ran, in the
	// order they ran (fuzz_grace_test.go).
	deferMu  sync.Mutex
	deferLog []int
}

func newFuzzRun(t *testing.T) *fuzzRun {
	r := &fuzzRun{t: t}
	r.model.owner = -1
	r.model.done = map[int]fuzzResult{}
	for i := range r.actors {
		a := &r.actors[i]
		a.in, a.out = make(chan func() fuzzOutcome), make(chan fuzzOutcome, 1)
		go func() {
			for op := range a.in {
				a.out <- runOp(op)
			}
		}()
	}
	return r
}

func runOp(op func() fuzzOutcome) (o fuzzOutcome) {
	defer func() {
		if p := recover(); p != nil {
			o = fuzzOutcome{panicked: p}
		}
	}()
	return op()
}

// exec sends op to the driver of who, lets the bubble settle, and checks
// that who and every other driver returned exactly as the model predicted
// (want is who's own predicted result).
func (r *fuzzRun) exec(who int, desc string, want fuzzResult, op func() fuzzOutcome) {
	r.trace = append(r.trace, fmt.Sprintf("%s by %s: %v", desc, actorName(who), want))
	r.last = who
	if want == frBlocked {
		r.model.busy[who] = true
	} else {
		r.model.done[who] = want
	}
	r.actors[who].in <- op
	r.settle()
}

// direct runs op on the test goroutine (an outsider's release, which any
// goroutine may call), then checks as exec does.
func (r *fuzzRun) direct(desc string, want fuzzResult, op func()) {
	r.trace = append(r.trace, fmt.Sprintf("%s: %v", desc, want))
	r.last = -1
	o := runOp(func() fuzzOutcome { op(); return fuzzOutcome{} })
	r.checkOutcome(-1, want, o)
	r.settle()
}

// settle waits until every goroutine in the bubble is blocked, then checks
// which drivers returned against the model's done, and the grace periods.
func (r *fuzzRun) settle() {
	r.model.graceUpdate()
	synctest.Wait()
	for who := range r.actors {
		a := &r.actors[who]
		want, expected := r.model.done[who]
		select {
		case o := <-a.out:
			if who != r.last {
				r.trace = append(r.trace, fmt.Sprintf("  %s returns: %v", actorName(who), o.result()))
			}
			if !expected {
				r.fail("%s returned (%v, %v) but the model says it is blocked", actorName(who), o.result(), o.panicked)
			}
			r.checkOutcome(who, want, o)
		default:
			if expected {
				r.fail("%s is blocked but the model says it returned %v", actorName(who), want)
			}
		}
	}
	r.checkGrace()
	clear(r.model.done)
}

func (r *fuzzRun) checkOutcome(who int, want fuzzResult, o fuzzOutcome) {
	if got := o.result(); got != want {
		r.fail("%s: got %v (err %v, panic %v), the model says %v", actorName(who), got, o.err, o.panicked, want)
	}
	switch {
	case o.panicked != nil:
		if s, ok := o.panicked.(string); !ok || !strings.HasPrefix(s, "isolate: ") {
			r.fail("%s: panic %v does not start with \"isolate: \"", actorName(who), o.panicked)
		}
	case o.err != nil:
		if !errors.Is(o.err, context.Canceled) || !strings.HasPrefix(o.err.Error(), "isolate: ") {
			r.fail("%s: error %q does not wrap context.Canceled", actorName(who), o.err)
		}
		if o.release != nil {
			r.fail("%s: a release with error %v", actorName(who), o.err)
		}
	}
	if who < 0 {
		return
	}
	a := &r.actors[who]
	if a.cancel != nil && want != frBlocked {
		a.cancel()
		a.cancel = nil
	}
	if who >= fuzzMembers {
		if o.release != nil {
			r.outReleases = append(r.outReleases, fuzzEnd{f: o.release, d: r.model.grantOf[who]})
			if len(r.outReleases) > fuzzHistory {
				r.outReleases = r.outReleases[1:]
			}
		}
		return
	}
	if want != frOK {
		return
	}
	if o.member != (Member{}) {
		a.m, a.ends, a.last = o.member, nil, map[[2]int]fuzzEnd{}
	}
	if o.release != nil {
		e := fuzzEnd{o.release, a.d, a.k, r.model.mem[who].stack[a.d].opened}
		a.ends = append(a.ends, e)
		if len(a.ends) > fuzzHistory {
			a.ends = a.ends[1:]
		}
		a.last[[2]int{a.d, int(a.k)}] = e
	}
	if mm := &r.model.mem[who]; o.isolated != (mm.own > 0) {
		r.fail("%s: Isolated() = %v, the model says %v", actorName(who), o.isolated, mm.own > 0)
	}
}

func (r *fuzzRun) fail(format string, args ...any) {
	r.t.Helper()
	n := max(0, len(r.trace)-40)
	r.t.Fatalf("%s\nlast operations:\n  %s", fmt.Sprintf(format, args...), strings.Join(r.trace[n:], "\n  "))
}

func actorName(who int) string {
	switch {
	case who < 0:
		return "test"
	case who < fuzzMembers:
		return fmt.Sprintf("member %d", who)
	}
	return fmt.Sprintf("outsider %d", who-fuzzMembers)
}

// memberOp runs f on member i's handle as its driver, reporting Isolated.
func (r *fuzzRun) memberOp(i int, desc string, want fuzzResult, d int, k scopeKind, f func(m Member) fuzzOutcome) {
	a := &r.actors[i]
	a.d, a.k = d, k
	m := a.m
	r.exec(i, desc, want, func() fuzzOutcome {
		o := f(m)
		if o.member != (Member{}) {
			m = o.member
		}
		o.isolated = m.Isolated()
		return o
	})
}

// isolateOp returns the operation of variant v through x (a Member or the
// Isolator), and arranges for its cancellation.
func (r *fuzzRun) isolateOp(who int, v fuzzVariant) func(x isolateForms) fuzzOutcome {
	ctx := context.Background()
	if v.cancellable || v.cancelled {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		if v.cancelled {
			cancel()
		} else {
			r.actors[who].cancel = cancel
		}
	}
	return func(x isolateForms) fuzzOutcome {
		var o fuzzOutcome
		switch {
		case v.try:
			var ok bool
			o.release, ok = x.TryIsolate()
			o.failed = !ok
		case v.cancellable || v.cancelled:
			if v.full {
				o.release, o.err = x.IsolateFullContext(ctx)
			} else {
				o.release, o.err = x.IsolateContext(ctx)
			}
		case v.full:
			o.release = x.IsolateFull()
		default:
			o.release = x.Isolate()
		}
		return o
	}
}

// The operations, as step decodes them from a pair of bytes (op, arg).
// Member operations act on member arg%fuzzMembers; the variant of an
// isolation is fuzzVariants[arg/fuzzMembers%len] (a plain one through
// IsolateScope if arg/fuzzMembers/len is odd), or for an outsider,
// outsider arg%fuzzOutsiders, fuzzVariants[arg/fuzzOutsiders%len]. foCancel
// cancels the pending request of member arg%fuzzMembers and of outsider
// arg/fuzzMembers%fuzzOutsiders, if cancellable (a request or a
// SynchronizeContext). foSync synchronizes as actor arg%fuzzActors (a
// member inside an Idle scope, or an outsider) in the way
// fuzzSyncVariants[arg/fuzzActors%len]; foDefer defers 1+arg%3 funcs at once.
type fuzzOp byte

const (
	foJoin       fuzzOp = iota
	foHarmless          // Harmless
	foIdle              // Idle
	foEnd               // call the end func of the innermost scope
	foEndEarlier        // call an end func the member got earlier
	foIsolate           // the member isolates itself
	foPoll              // Poll
	foLeave             // Leave
	foCancel            // cancel pending requests
	foOutsider          // an outsider isolates itself
	foRelease           // call the release an outsider got last
	foSync              // Synchronize or SynchronizeContext
	foDefer             // Defer
	foJoinIdle          // JoinIdle
	foBusy              // Busy
	fuzzOps
)

// step decodes and runs one operation; operations on a blocked driver, or
// that make no sense in the current state (ending a scope that is not
// open, a first operation on a member that never joined), are skipped.
func (r *fuzzRun) step(op, arg byte) {
	md := &r.model
	i := int(arg) % fuzzMembers
	mm, a := &md.mem[i], &r.actors[i]
	code := fuzzOp(op) % fuzzOps
	if code < foCancel && (md.busy[i] || (a.m == (Member{}) && code != foJoin)) {
		return
	}
	switch code {
	case foJoin:
		if mm.joined {
			return
		}
		r.memberOp(i, "Join", md.join(i), 0, 0, func(Member) fuzzOutcome {
			return fuzzOutcome{member: r.iso.Join()}
		})
	case foHarmless, foIdle:
		k := kindHarmless
		if code == foIdle {
			k = kindIdle
		}
		if len(mm.stack) >= fuzzMaxDepth {
			return
		}
		d := len(mm.stack)
		r.memberOp(i, fmt.Sprintf("open %v scope at depth %d", kindName(k), d), md.open(i, k), d, k, func(m Member) fuzzOutcome {
			if k == kindIdle {
				return fuzzOutcome{release: m.Idle().End}
			}
			return fuzzOutcome{release: m.Harmless().End}
		})
	case foEnd:
		if len(mm.stack) == 0 {
			return
		}
		d := len(mm.stack) - 1
		e := a.lastEnd(d, mm.stack[d].kind)
		r.memberOp(i, fmt.Sprintf("end %v scope at depth %d", kindName(e.k), d), md.end(i, d, e.k, e.opened), 0, 0, func(Member) fuzzOutcome {
			e.f()
			return fuzzOutcome{}
		})
	case foEndEarlier:
		if len(a.ends) == 0 {
			return
		}
		e := a.ends[int(arg/fuzzMembers)%len(a.ends)]
		r.memberOp(i, fmt.Sprintf("call an earlier end func (%v, depth %d, #%d)", kindName(e.k), e.d, e.opened), md.end(i, e.d, e.k, e.opened), 0, 0, func(Member) fuzzOutcome {
			e.f()
			return fuzzOutcome{}
		})
	case foIsolate:
		v := fuzzVariants[int(arg/fuzzMembers)%len(fuzzVariants)]
		isolate := r.isolateOp(i, v)
		desc := v.String()
		if v == (fuzzVariant{}) && int(arg)/(fuzzMembers*len(fuzzVariants))%2 == 1 {
			// The same isolation as a Scope: its End is the release.
			isolate = func(x isolateForms) fuzzOutcome {
				return fuzzOutcome{release: x.(Member).IsolateScope().End}
			}
			desc = "IsolateScope"
		}
		d := len(mm.stack)
		r.memberOp(i, desc, md.memberIsolate(i, v), d, kindIsolate, func(m Member) fuzzOutcome {
			return isolate(m)
		})
	case foPoll:
		r.memberOp(i, "Poll", md.poll(i), 0, 0, func(m Member) fuzzOutcome {
			m.Poll()
			return fuzzOutcome{}
		})
	case foLeave:
		if len(mm.stack) == 0 {
			// The member state goes to the slot's next member, and
			// the model follows memberships, not states: it would
			// take an End of this membership for the next one's
			// (TestStaleEndAcrossMemberships checks those). Forget
			// them.
			a.ends, a.last = nil, nil
		}
		r.memberOp(i, "Leave", md.leave(i), 0, 0, func(m Member) fuzzOutcome {
			m.Leave()
			return fuzzOutcome{}
		})
	case foCancel:
		r.cancel(i)
		r.cancel(fuzzMembers + int(arg/fuzzMembers)%fuzzOutsiders)
	case foOutsider:
		j := fuzzMembers + int(arg)%fuzzOutsiders
		if md.busy[j] {
			return
		}
		v := fuzzVariants[int(arg/fuzzOutsiders)%len(fuzzVariants)]
		isolate := r.isolateOp(j, v)
		r.exec(j, v.String(), md.request(j, v), func() fuzzOutcome {
			return isolate(&r.iso)
		})
	case foRelease:
		if n := len(r.outReleases); n > 0 {
			e := r.outReleases[n-1-int(arg)%n] // arg 0: the latest
			r.direct(fmt.Sprintf("release of outsiders' grant #%d", e.d), md.outsiderRelease(e.d), e.f)
		}
	case foSync:
		r.syncOp(int(arg)%fuzzActors, fuzzSyncVariants[int(arg/fuzzActors)%len(fuzzSyncVariants)])
	case foDefer:
		r.deferOp(1 + int(arg)%3)
	case foJoinIdle:
		if md.busy[i] || mm.joined {
			return
		}
		r.memberOp(i, "JoinIdle", md.joinIdle(i), 0, 0, func(Member) fuzzOutcome {
			return fuzzOutcome{member: r.iso.JoinIdle()}
		})
	case foBusy:
		if md.busy[i] || a.m == (Member{}) || len(mm.stack) >= fuzzMaxDepth {
			return
		}
		d := len(mm.stack)
		r.memberOp(i, fmt.Sprintf("open busy scope at depth %d", d), md.open(i, kindBusy), d, kindBusy, func(m Member) fuzzOutcome {
			return fuzzOutcome{release: m.Busy().End}
		})
	}
}

// cancel ends the context of the request or the SynchronizeContext of who,
// if it is pending and cancellable, and reports whether it did.
func (r *fuzzRun) cancel(who int) bool {
	if r.model.grace.syncing[who] {
		return r.cancelSync(who)
	}
	md, a := &r.model, &r.actors[who]
	pending := md.busy[who] && (who >= fuzzMembers || md.mem[who].wait == fwRequest)
	if !pending || a.cancel == nil {
		return false
	}
	r.trace = append(r.trace, fmt.Sprintf("cancel the request of %s", actorName(who)))
	r.last = -1
	md.withdraw(who, false)
	a.cancel()
	a.cancel = nil
	r.settle()
	return true
}

// lastEnd returns the end func of the scope of kind k at depth d that the
// member got last.
func (a *fuzzActor) lastEnd(d int, k scopeKind) fuzzEnd {
	return a.last[[2]int{d, int(k)}]
}

func kindName(k scopeKind) string {
	return [...]string{"harmless", "idle", "isolate", "busy"}[k]
}
