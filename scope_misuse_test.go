package isolate

// The misuse table: every misuse of scopes, of isolations' release funcs
// and of Member handles panics with a message starting "isolate: ", is
// detected before any state changes, and leaves the Isolator usable for
// everyone else. A new misuse is a new row of misuseCases; the messages,
// and the snapshot of what must not change, are in helpers_test.go. Stale
// Ends called from other goroutines are tested in scope_ends_test.go, a
// handle used after Leave in member_test.go, Do's misuse in
// isolate_do_test.go.

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A misuseCase brings m (joined, running, owned by the test goroutine, the
// only member) to a misuse.
type misuseCase struct {
	name string
	// want is a part of the panic message, after "isolate: ".
	want string
	// setup returns the misuse, and undo, which ends whatever setup
	// opened so that m runs with no scope open (or has left); nil if
	// there is nothing to end.
	setup func(iso *Isolator, m Member) (misuse, undo func())
}

// nilCtx is a nil Context, passed on purpose.
var nilCtx context.Context

var misuseCases = []misuseCase{
	{"Harmless end twice", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		end.End()
		return end.End, nil
	}},
	{"inner Harmless end twice", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		inner := m.Harmless()
		inner.End()
		return inner.End, outer.End
	}},
	{"Idle end twice", msgIdleTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Idle()
		end.End()
		return end.End, nil
	}},
	{"inner Idle end twice", msgIdleTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Idle()
		inner := m.Idle()
		inner.End()
		return inner.End, outer.End
	}},
	{"Harmless end twice, scope reopened at another kind", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		end.End()
		idle := m.Idle() // same depth
		return end.End, idle.End
	}},
	{"Harmless ends out of order", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		inner := m.Harmless()
		return outer.End, func() { inner.End(); outer.End() }
	}},
	{"Idle end before the Harmless scope inside it", msgIdleTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Idle()
		inner := m.Harmless()
		return outer.End, func() { inner.End(); outer.End() }
	}},
	{"Harmless end before the isolation inside it", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		rel := m.Isolate()
		return end.End, func() { rel(); end.End() }
	}},
	{"member release twice", msgReleaseTwice, func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		rel()
		return rel, nil
	}},
	{"nested release twice", msgReleaseTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Isolate()
		inner := m.Isolate()
		inner()
		return inner, outer
	}},
	{"release before a Harmless scope inside the section", msgReleaseTwice, func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		end := m.Harmless()
		return rel, func() { end.End(); rel() }
	}},
	{"outer release before the nested isolation", msgReleaseTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Isolate()
		inner := m.Isolate()
		return outer, func() { inner(); outer() }
	}},
	{"outsider release twice", msgNotHeld, func(iso *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		rel := iso.Isolate()
		rel()
		return rel, end.End
	}},
	{"stale outsider release while a member is isolated", msgNotHeld, func(iso *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		rel := iso.Isolate()
		rel()
		mrel := m.Isolate()
		return rel, func() { mrel(); end.End() }
	}},
	{"stale outsider release after a later outsider isolation", msgNotHeld, func(iso *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		rel := iso.Isolate()
		rel()
		now := iso.Isolate()
		return rel, func() { now(); end.End() }
	}},
	{"stale outsider release after 100 isolations, one held", msgNotHeld, func(iso *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		rel := iso.Isolate()
		rel()
		for range 99 {
			iso.Isolate()()
		}
		now := iso.Isolate()
		return rel, func() { now(); end.End() }
	}},
	{"stale outsider release from a withdrawn TryIsolate's request", msgNotHeld, func(iso *Isolator, m Member) (func(), func()) {
		rel := func() func() { // granted while m is harmless
			end := m.Harmless()
			defer end.End()
			r := iso.Isolate()
			r()
			return r
		}()
		if _, ok := iso.TryIsolate(); ok { // m runs: fails
			panic("TryIsolate succeeded while a member runs")
		}
		end := m.Harmless()
		now := iso.Isolate()
		return rel, func() { now(); end.End() }
	}},
	{"stale member release after a later isolation", msgReleaseTwice, func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		rel()
		now := m.Isolate()
		return rel, now
	}},
	{"stale member release after 100 isolations, one held", msgReleaseTwice, func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		rel()
		for range 99 {
			m.Isolate()()
		}
		now := m.Isolate()
		return rel, now
	}},
	{"stale nested release after a later nested isolation", msgReleaseTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Isolate()
		inner := m.Isolate()
		inner()
		now := m.Isolate()
		return inner, func() { now(); outer() }
	}},
	{"stale Harmless end after the depth reopened once", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		end.End()
		now := m.Harmless()
		return end.End, now.End
	}},
	{"stale Idle end after the depth reopened once", msgIdleTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Idle()
		end.End()
		now := m.Idle()
		return end.End, now.End
	}},
	{"stale Harmless end after two more scopes at its depth", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		end.End()
		m.Harmless().End()
		now := m.Harmless() // the open scope stays open: now.End ends it
		return end.End, now.End
	}},
	{"stale Idle end after two more scopes at its depth", msgIdleTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Idle()
		end.End()
		m.Idle().End()
		now := m.Idle()
		return end.End, now.End
	}},
	{"stale inner Harmless end after two more scopes at its depth", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		end := m.Harmless()
		end.End()
		m.Harmless().End()
		now := m.Harmless()
		return end.End, func() { now.End(); outer.End() }
	}},
	{"stale Harmless end after 1000 scopes at its depth, an Idle scope open", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		end.End()
		for range 999 {
			m.Harmless().End()
		}
		now := m.Idle()
		return end.End, now.End
	}},
	{"Busy end twice", msgBusyTwice, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Busy()
		end.End()
		return end.End, nil
	}},
	{"Busy end twice in an idle scope, after two more at its depth", msgBusyTwice, func(_ *Isolator, m Member) (func(), func()) {
		idle := m.Idle()
		end := m.Busy()
		end.End()
		m.Busy().End()
		now := m.Busy()
		return end.End, func() { now.End(); idle.End() }
	}},
	{"Idle end before the Busy scope inside it", msgIdleTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Idle()
		inner := m.Busy()
		return outer.End, func() { inner.End(); outer.End() }
	}},
	{"Busy end before the Harmless scope inside it", msgBusyTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		busy := m.Busy()
		inner := m.Harmless()
		return busy.End, func() { inner.End(); busy.End(); outer.End() }
	}},
	{"End of the zero Scope", "End of the zero Scope", func(_ *Isolator, _ Member) (func(), func()) {
		return Scope{}.End, nil
	}},
	{"Busy after Leave", msgAfterLeave, afterLeave(func(m Member) { m.Busy() })},
	{"Busy with 1000 scopes open", msgTooDeep, openScopes(endOf(Member.Busy), func(m Member) { m.Busy() })},
	{"stale inner Harmless end after the depth reopened three times", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		end := m.Harmless()
		end.End()
		m.Harmless().End()
		m.Harmless().End()
		now := m.Harmless()
		return end.End, func() { now.End(); outer.End() }
	}},
	{"IsolateFull inside Harmless", msgFullInHarmless, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		return func() { m.IsolateFull() }, end.End
	}},
	{"IsolateFull inside Harmless inside Harmless", msgFullInHarmless, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		inner := m.Harmless()
		return func() { m.IsolateFull() }, func() { inner.End(); outer.End() }
	}},
	{"Harmless with 1000 scopes open", msgTooDeep, openScopes(endOf(Member.Harmless), func(m Member) { m.Harmless() })},
	{"Idle with 1000 scopes open", msgTooDeep, openScopes(endOf(Member.Idle), func(m Member) { m.Idle() })},
	{"Isolate with 1000 scopes open", msgTooDeep, openScopes(endOf(Member.Harmless), func(m Member) { m.Isolate() })},
	{"IsolateFull with 1000 scopes open", msgTooDeep, openScopes(endOf(Member.Idle), func(m Member) { m.IsolateFull() })},
	{"nested Isolate with 1000 scopes open", msgTooDeep, openScopes((Member).Isolate, func(m Member) { m.Isolate() })},
	{"Harmless with 1000 isolations open", msgTooDeep, openScopes((Member).Isolate, func(m Member) { m.Harmless() })},
	{"Leave twice", msgAfterLeave, func(_ *Isolator, m Member) (func(), func()) {
		m.Leave()
		return m.Leave, nil
	}},
	{"Leave while isolated", msgLeaveIsolated, func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		return m.Leave, rel
	}},
	{"Leave in a Harmless scope inside the isolated section", msgLeaveIsolated, func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		end := m.Harmless()
		return m.Leave, func() { end.End(); rel() }
	}},
	{"Leave while fully isolated from an idle scope", msgLeaveIsolated, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Idle()
		rel := m.IsolateFull()
		return m.Leave, func() { rel(); end.End() }
	}},
	{"Harmless after Leave", msgAfterLeave, afterLeave(func(m Member) { m.Harmless() })},
	{"Idle after Leave", msgAfterLeave, afterLeave(func(m Member) { m.Idle() })},
	{"Isolate after Leave", msgAfterLeave, afterLeave(func(m Member) { m.Isolate() })},
	{"IsolateFull after Leave", msgAfterLeave, afterLeave(func(m Member) { m.IsolateFull() })},
	{"IsolateContext after Leave", msgAfterLeave, afterLeave(func(m Member) { _, _ = m.IsolateContext(context.Background()) })},
	{"TryIsolate after Leave", msgAfterLeave, afterLeave(func(m Member) { m.TryIsolate() })},
	{"Harmless after Leave inside a Harmless scope", msgAfterLeave, func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		m.Leave()
		return func() { m.Harmless() }, end.End // end: a no-op after Leave
	}},
	{"Harmless end twice after Leave ended it", msgHarmlessTwice, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Idle()
		end := m.Harmless()
		m.Leave()
		end.End()
		return end.End, outer.End
	}},
	{"Idle inside Harmless", "Idle inside a Harmless scope", func(_ *Isolator, m Member) (func(), func()) {
		end := m.Harmless()
		return func() { m.Idle() }, end.End
	}},
	{"Idle inside Harmless inside Harmless", "Idle inside a Harmless scope", func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		inner := m.Harmless()
		return func() { m.Idle() }, func() { inner.End(); outer.End() }
	}},
	{"Idle inside Busy inside Harmless", "Idle inside a Harmless scope", func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		busy := m.Busy()
		return func() { m.Idle() }, func() { busy.End(); outer.End() }
	}},
	{"Idle inside Busy inside Busy inside Harmless", "Idle inside a Harmless scope", func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		busy := m.Busy()
		inner := m.Busy()
		return func() { m.Idle() }, func() { inner.End(); busy.End(); outer.End() }
	}},
	{"IsolateFull inside Busy inside Harmless", msgFullInHarmless, func(_ *Isolator, m Member) (func(), func()) {
		outer := m.Harmless()
		busy := m.Busy()
		return func() { m.IsolateFull() }, func() { busy.End(); outer.End() }
	}},
	{"IsolateFull inside own plain isolation", "IsolateFull inside a plain isolated section", func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		return func() { m.IsolateFull() }, rel
	}},
	{"IsolateFullContext inside own plain isolation, in a Harmless scope", "IsolateFull inside a plain isolated section", func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		end := m.Harmless()
		return func() { _, _ = m.IsolateFullContext(context.Background()) }, func() { end.End(); rel() }
	}},
	{"Isolator.IsolateContext(nil)", msgNilContext, func(iso *Isolator, _ Member) (func(), func()) {
		return func() { _, _ = iso.IsolateContext(nilCtx) }, nil
	}},
	{"Isolator.IsolateFullContext(nil)", msgNilContext, func(iso *Isolator, _ Member) (func(), func()) {
		return func() { _, _ = iso.IsolateFullContext(nilCtx) }, nil
	}},
	{"Member.IsolateContext(nil)", msgNilContext, func(_ *Isolator, m Member) (func(), func()) {
		return func() { _, _ = m.IsolateContext(nilCtx) }, nil
	}},
	{"Member.IsolateFullContext(nil) in own section", msgNilContext, func(_ *Isolator, m Member) (func(), func()) {
		rel := m.Isolate()
		return func() { _, _ = m.IsolateFullContext(nilCtx) }, rel
	}},
}

// openScopes is the setup of use with maxDepth scopes open, each opened by
// open.
func openScopes(open func(Member) func(), use func(m Member)) func(*Isolator, Member) (func(), func()) {
	return func(_ *Isolator, m Member) (func(), func()) {
		ends := make([]func(), maxDepth)
		for i := range ends {
			ends[i] = open(m)
		}
		return func() { use(m) }, func() { endAll(ends) }
	}
}

// endAll calls ends in reverse order.
func endAll(ends []func()) {
	for i := len(ends) - 1; i >= 0; i-- {
		ends[i]()
	}
}

// afterLeave is the setup of a use of m after Leave.
func afterLeave(use func(m Member)) func(*Isolator, Member) (func(), func()) {
	return func(_ *Isolator, m Member) (func(), func()) {
		m.Leave()
		return func() { use(m) }, nil
	}
}

func TestMisuse(t *testing.T) {
	for _, tc := range misuseCases {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var iso Isolator
				m := iso.Join()
				misuse, undo := tc.setup(&iso, m)
				before := snapshot(&iso, m)
				p := panicOf(misuse)
				require.NotNil(t, p, "no panic")
				msg := fmt.Sprint(p)
				assert.True(t, strings.HasPrefix(msg, "isolate: "), "panic %q lacks the prefix", msg)
				assert.Contains(t, msg, tc.want)
				assert.Equal(t, before, snapshot(&iso, m), "the misuse changed the state")
				if undo != nil {
					require.Nil(t, panicOf(undo), "ending the scopes of the setup")
				}
				checkUsable(t, &iso, m)
			})
		})
	}
}

// checkUsable checks that iso works for everyone after a misuse by m,
// which has left or runs with no scope open: another member and an
// outsider isolate (plain, full, try) while m sits in an idle scope, and
// m itself still works.
func checkUsable(t *testing.T, iso *Isolator, m Member) {
	t.Helper()
	others := func() {
		m2 := iso.Join()
		end := m2.Idle()
		iso.Isolate()()
		iso.IsolateFull()()
		r, ok := iso.TryIsolate()
		if !ok {
			panic("TryIsolate failed with every member idle")
		}
		r()
		end.End()
		m2.Isolate()()
		m2.IsolateFull()()
		m2.Harmless().End()
		m2.Leave()
	}
	if hasLeft(m) {
		goOp(others).wait(t, "others after the misuse")
		return
	}
	assert.False(t, m.Isolated())
	end := m.Idle()
	goOp(others).wait(t, "others after the misuse, the member idle")
	end.End()
	m.Harmless().End()
	m.Isolate()()
	m.Poll()
	m.Leave()
	isolatesAtOnce(t, iso, "TryIsolate after the member left")
}

// hasLeft reports whether m's membership is over.
func hasLeft(m Member) bool {
	return m.mb.gen.Load() != m.gen
}
