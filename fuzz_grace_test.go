package isolate

// Grace periods in FuzzOps (fuzz_test.go): the model's side (which
// Synchronize must still wait and which must have returned, which deferred
// funcs may and which must have run) and the driver's (the operations, the
// log of the deferred funcs, the checks of Stats).
//
// A member is idle, for a grace period, when it publishes idle (fuzzModel.pub:
// an Idle scope, a request that waits idle, a hold from idle). Within one
// step, no member that is not idle at its start and at its end is idle in
// between (a full request that waits is idle until the next step at least),
// and members move only in the step of their own operation or of the one that
// admits, grants or withdraws them; so a member that has been idle since a
// grace period began is one that is idle at the end of some step since, or
// has left. A set of members (bit i: member i) that a grace period waits for
// loses, at the end of each step, those that are idle or gone (graceUpdate).
//
// Synchronize and Defer take their snapshot in the step of their call, when
// no member moves: exact. Deferred funcs form batches as Defer makes them: a
// func joins the last batch that the Isolator's goroutine has not taken if
// the members it waits for (not idle at its call) are all still awaited by
// that batch's last func (no idle entry since: the same idle counts),
// otherwise it begins a batch; a batch waits for its last func's members.
// Between steps the goroutine has taken the first batch, if any (the driver
// defers a single func when none is pending, so that the goroutine's start
// does not race with the next Defer calls of the step).

import (
	"context"
	"fmt"
	"math/bits"
	"slices"
)

// fuzzGrace is the model's state of grace periods and deferred funcs.
type fuzzGrace struct {
	// syncing tells the actors blocked in Synchronize or
	// SynchronizeContext, sync the members each still waits for.
	syncing [fuzzActors]bool
	sync    [fuzzActors]uint8
	// periods counts the grace periods completed: Synchronize calls that
	// returned nil, batches of deferred funcs that ran.
	periods uint64
	// defs are the deferred funcs, in Defer order: for each, the members
	// not idle at its Defer call that have not been idle since. ran is
	// the number that ran.
	defs []uint8
	ran  int
	// batches are the ends (one past the last func) of the batches not
	// run yet, in order: the first is the one that the Isolator's
	// goroutine waits for, the others wait in its queue; none once the
	// goroutine has exited.
	batches []int
}

// active reports whether the Isolator's goroutine has funcs to run.
func (g *fuzzGrace) active() bool {
	return len(g.batches) > 0
}

// nonIdle are the joined members that are not idle.
func (m *fuzzModel) nonIdle() (set uint8) {
	for i := range m.mem {
		if m.mem[i].joined && m.pub(i) != fmIdle {
			set |= 1 << i
		}
	}
	return set
}

// graceUpdate ends the wait for the members that are idle or gone at the end
// of a step; a Synchronize that waits for nobody returns.
func (m *fuzzModel) graceUpdate() {
	g := &m.grace
	keep := m.nonIdle()
	for who := range g.sync {
		g.sync[who] &= keep
		if g.syncing[who] && g.sync[who] == 0 {
			g.syncing[who] = false
			g.periods++
			m.complete(who, frOK)
		}
	}
	for k := g.ran; k < len(g.defs); k++ {
		g.defs[k] &= keep
	}
}

// Synchronize variants, as decoded from the input.
type fuzzSyncVariant struct{ ctx, cancellable, cancelled bool }

var fuzzSyncVariants = [...]fuzzSyncVariant{
	{},
	{ctx: true, cancellable: true},
	{ctx: true, cancelled: true},
	{ctx: true, cancellable: true},
}

func (v fuzzSyncVariant) String() string {
	switch {
	case v.cancelled:
		return "SynchronizeContext (done already)"
	case v.ctx:
		return "SynchronizeContext"
	}
	return "Synchronize"
}

// synchronize models a Synchronize by who, which is not a member that could
// wait for itself.
func (m *fuzzModel) synchronize(who int, v fuzzSyncVariant) fuzzResult {
	if v.cancelled {
		return frCtxErr
	}
	g := &m.grace
	await := m.nonIdle()
	if await == 0 {
		g.periods++
		return frOK
	}
	g.syncing[who], g.sync[who] = true, await
	m.busy[who] = true
	return frBlocked
}

// cancelSync models the cancellation of the blocked SynchronizeContext of who.
func (m *fuzzModel) cancelSync(who int) {
	g := &m.grace
	g.syncing[who], g.sync[who] = false, 0
	m.complete(who, frCtxErr)
}

// deferFuncs models n funcs deferred at once.
func (m *fuzzModel) deferFuncs(n int) {
	g := &m.grace
	await := m.nonIdle()
	for range n {
		g.defs = append(g.defs, await)
		if q := len(g.batches); q > 1 && await&^g.defs[g.batches[q-1]-1] == 0 {
			g.batches[q-1]++ // joins the last batch, which nobody took yet
		} else {
			g.batches = append(g.batches, len(g.defs))
		}
	}
}

// memberNames lists the members of set.
func memberNames(set uint8) string {
	var names []string
	for ; set != 0; set &= set - 1 {
		names = append(names, fmt.Sprint(bits.TrailingZeros8(set)))
	}
	return "members " + fmt.Sprint(names)
}

// syncOp runs a Synchronize of variant v by who: an outsider, or a member
// inside an Idle scope (or that left; not one that runs or is harmless, nor
// one that holds its own isolation, which would wait for itself or for the
// members it holds back).
func (r *fuzzRun) syncOp(who int, v fuzzSyncVariant) {
	md, a := &r.model, &r.actors[who]
	if md.busy[who] {
		return
	}
	if who < fuzzMembers {
		if mm := &md.mem[who]; mm.joined && (mm.mode != fmIdle || mm.own > 0) {
			return
		}
	}
	ctx := context.Background()
	if v.ctx {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		if v.cancelled {
			cancel()
		} else {
			a.cancel = cancel
		}
	}
	op := func() (o fuzzOutcome) {
		if v.ctx {
			o.err = r.iso.SynchronizeContext(ctx)
		} else {
			r.iso.Synchronize()
		}
		return o
	}
	want := md.synchronize(who, v)
	if who < fuzzMembers {
		r.memberOp(who, v.String(), want, 0, 0, func(Member) fuzzOutcome { return op() })
		return
	}
	r.exec(who, v.String(), want, op)
}

// deferOp defers n funcs at once, from the test goroutine; each logs its
// number when it runs. When no func is pending, it defers one: the first
// Defer starts the Isolator's goroutine, which takes its batch while the
// next Defer calls may or may not have come.
func (r *fuzzRun) deferOp(n int) {
	if !r.model.grace.active() {
		n = 1
	}
	first := len(r.model.grace.defs)
	r.model.deferFuncs(n)
	r.direct(fmt.Sprintf("Defer #%d to #%d", first, first+n-1), frOK, func() {
		for k := first; k < first+n; k++ {
			r.iso.Defer(func() {
				r.deferMu.Lock()
				r.deferLog = append(r.deferLog, k)
				r.deferMu.Unlock()
			})
		}
	})
}

// cancelSync cancels the blocked SynchronizeContext of who, if it is one,
// and reports whether it did.
func (r *fuzzRun) cancelSync(who int) bool {
	md, a := &r.model, &r.actors[who]
	if !md.grace.syncing[who] || a.cancel == nil {
		return false
	}
	r.trace = append(r.trace, fmt.Sprintf("cancel the SynchronizeContext of %s", actorName(who)))
	r.last = -1
	md.cancelSync(who)
	a.cancel()
	a.cancel = nil
	r.settle()
	return true
}

// checkGrace checks, once the bubble has settled, the deferred funcs that ran
// during the step against the model, and the Isolator's Stats.
func (r *fuzzRun) checkGrace() {
	md := &r.model
	g := &md.grace
	r.deferMu.Lock()
	ran := slices.Clone(r.deferLog[g.ran:])
	r.deferMu.Unlock()
	for _, k := range ran {
		r.trace = append(r.trace, fmt.Sprintf("  deferred #%d runs", k))
		switch {
		case k != g.ran:
			r.fail("deferred #%d runs, but #%d is the next in Defer order", k, g.ran)
		case !g.active() || k >= g.batches[0]:
			r.fail("deferred #%d runs, but the model has no batch for it", k)
		case g.defs[k] != 0:
			r.fail("deferred #%d runs before %s, not idle at its Defer call, have been idle since", k, memberNames(g.defs[k]))
		case g.defs[g.batches[0]-1] != 0:
			r.fail("deferred #%d runs before %s, which its batch's grace period waits for, have been idle since",
				k, memberNames(g.defs[g.batches[0]-1]))
		}
		g.ran++
		if g.active() && g.ran == g.batches[0] {
			g.periods++
			g.batches = g.batches[1:]
		}
	}
	if g.active() {
		// Funcs from g.ran on have not run: the first batch's grace period
		// must not be over, and the batch not partly run.
		if last := g.batches[0] - 1; g.defs[last] == 0 {
			r.fail("deferred funcs #%d to #%d have not run, but every member their grace period waits for has been idle",
				g.ran, last)
		}
	}

	st := r.iso.Stats()
	waiting, joined := 0, 0
	for who := range g.syncing {
		if g.syncing[who] {
			waiting++
		}
	}
	if g.active() {
		waiting++ // the Isolator's goroutine
	}
	for i := range md.mem {
		if md.mem[i].joined {
			joined++
		}
	}
	if st.Synchronizing != waiting || st.GracePeriods != g.periods || st.Deferred != uint64(len(g.defs)) ||
		st.DeferredPending != len(g.defs)-g.ran || st.Members != joined {
		r.fail("Stats: Synchronizing %d, GracePeriods %d, Deferred %d, DeferredPending %d, Members %d; the model says %d, %d, %d, %d, %d",
			st.Synchronizing, st.GracePeriods, st.Deferred, st.DeferredPending, st.Members,
			waiting, g.periods, len(g.defs), len(g.defs)-g.ran, joined)
	}
}
