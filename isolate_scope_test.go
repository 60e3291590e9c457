package isolate

// Tests of Member.IsolateScope: the isolation returned as a Scope. It is
// Isolate with End for release, so these check what the Scope adds: that
// its End releases (and only its own isolation), that a stale or
// out-of-order End panics and changes nothing, nesting with the other
// scopes and with Isolate, a panic in a `defer m.IsolateScope().End()`
// section, and the same exclusion as Isolate. Its allocations (none) are
// in isolate_cost_test.go's TestAllocs.

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
)

// No member runs while a member is isolated by IsolateScope, and its End
// lets them run again.
func TestIsolateScopeExcludes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)
		var end2 func()
		b.do(t, "m2 Harmless", func() { end2 = m2.Harmless().End })

		var sc Scope
		a.do(t, "m1 IsolateScope", func() {
			sc = m1.IsolateScope()
			assert.True(t, m1.Isolated())
		})
		e2 := b.start(end2)
		e2.blocked(t, "m2 ending its harmless scope during m1's isolation")
		var rel func()
		out := isolateOp(iso.Isolate, &rel)
		out.blocked(t, "an outsider during m1's isolation")
		a.do(t, "m1 End", func() {
			sc.End()
			assert.False(t, m1.Isolated())
		})
		e2.wait(t, "m2 ending its harmless scope after m1's End")
		out.blocked(t, "an outsider while both members run")
		a.do(t, "m1 Leave", m1.Leave)
		b.do(t, "m2 Leave", m2.Leave)
		out.wait(t, "an outsider once the members left")
		rel()
	})
}

// A member that asks for IsolateScope waits, harmless, for the others, as
// Isolate does.
func TestIsolateScopeWaitsForRunningMembers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m1, m2 := a.join(t, &iso), b.join(t, &iso)
		var sc Scope
		op := a.start(func() { sc = m1.IsolateScope() })
		op.blocked(t, "IsolateScope while another member runs")
		var end2 func()
		b.do(t, "m2 Harmless", func() { end2 = m2.Harmless().End })
		op.wait(t, "IsolateScope once the other member is harmless")
		e2 := b.start(end2)
		e2.blocked(t, "m2 ending its scope during the isolation")
		a.do(t, "End", sc.End)
		e2.wait(t, "m2 after the End")
		a.do(t, "Leave", m1.Leave)
		b.do(t, "Leave", m2.Leave)
	})
}

// An End called twice, out of order, or after a newer isolation panics
// with the release func's message and leaves the member's state as it was:
// a newer isolation stays in place.
func TestIsolateScopeStaleEnd(t *testing.T) {
	var iso Isolator
	m := iso.Join()

	sc := m.IsolateScope()
	sc.End()
	assert.Contains(t, panicOf(sc.End), msgReleaseTwice, "End twice")
	assert.False(t, m.Isolated())

	// A stale End while a newer isolation holds: it stays.
	newer := m.IsolateScope()
	assert.Contains(t, panicOf(sc.End), msgReleaseTwice, "a stale End during a newer isolation")
	assert.True(t, m.Isolated(), "a stale End released the newer isolation")
	_, ok := iso.TryIsolate()
	assert.False(t, ok, "TryIsolate succeeded while the member is isolated")

	// Out of order: a scope opened inside is still open.
	inner := m.Harmless()
	assert.Contains(t, panicOf(newer.End), msgReleaseTwice, "End with a Harmless scope open inside")
	assert.True(t, m.Isolated())
	inner.End()
	newer.End()
	assert.False(t, m.Isolated())

	// A release func and a Scope do not end each other's isolations.
	rel := m.Isolate()
	assert.Contains(t, panicOf(newer.End), msgReleaseTwice, "a stale Scope during a release func's isolation")
	rel()
	sc = m.IsolateScope()
	assert.Contains(t, panicOf(rel), msgReleaseTwice, "a stale release func during a Scope's isolation")
	assert.True(t, m.Isolated())
	sc.End()

	// After Leave, as after any ended membership.
	m.Leave()
	assert.Contains(t, panicOf(sc.End), msgReleaseTwice, "End after Leave")
	m = iso.Join()
	assert.Contains(t, panicOf(sc.End), msgReleaseTwice, "End in a later membership of the same record")
	m.Leave()
	isolatesAtOnce(t, &iso)
}

// IsolateScope nests in the member's own section, whichever form opened it,
// and scopes nest in it; each End ends its own.
func TestIsolateScopeNests(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	outer := m.IsolateScope()
	inner := m.IsolateScope()
	rel := m.Isolate()
	h := m.Harmless()
	innermost := m.IsolateScope()
	innermost.End()
	h.End()
	rel()
	inner.End()
	assert.True(t, m.Isolated(), "after the nested Ends")
	_, ok := iso.TryIsolate()
	assert.False(t, ok, "TryIsolate succeeded inside the outer isolation")
	outer.End()
	assert.False(t, m.Isolated())

	// Inside an Isolate's section, and from inside a harmless scope.
	rel = m.Isolate()
	m.IsolateScope().End()
	assert.True(t, m.Isolated())
	rel()
	h = m.Harmless()
	sc := m.IsolateScope()
	assert.True(t, m.Isolated())
	sc.End()
	isolatesAtOnce(t, &iso, "the member is harmless again after the End")
	h.End()
	m.Leave()
}

// A panic inside `defer m.IsolateScope().End()` releases the isolation.
func TestIsolateScopePanicReleases(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	p := panicOf(func() {
		defer m.IsolateScope().End()
		defer m.Harmless().End()
		panic("boom")
	})
	assert.Equal(t, "boom", p)
	assert.False(t, m.Isolated())
	end := m.Harmless()
	isolatesAtOnce(t, &iso, "the isolation released by the panic")
	end.End()
	m.Leave()
}
