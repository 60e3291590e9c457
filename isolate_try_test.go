package isolate

// Tests of TryIsolate, members' and outsiders': it succeeds when nothing
// would wait and otherwise fails leaving no trace; and of Member.Isolated.
// Poll is tested with the scopes (scope_test.go). Focused tests, as
// helpers_test.go describes.

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TryIsolate succeeds when nothing would wait and otherwise fails leaving
// no trace.
func TestTryIsolate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		r, ok := iso.TryIsolate()
		require.True(t, ok, "no members")
		r()

		a, b := newActor(t), newActor(t)
		m, mb := a.join(t, &iso), b.join(t, &iso)
		noTrace := func(what string) {
			t.Helper()
			plain, full, held := queued(&iso)
			assert.Equal(t, [3]int{}, [3]int{plain, full, held}, what)
			assert.Zero(t, iso.gate.load(), what)
		}
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "outsider while members run")
		noTrace("after a failed outsider TryIsolate")
		var end, endB func()
		b.do(t, "mb Harmless", func() { endB = mb.Harmless().End })
		a.do(t, "member TryIsolate", func() {
			r, ok := m.TryIsolate()
			if !assert.True(t, ok, "member while the other is harmless") {
				return // not the test's goroutine: no FailNow here
			}
			assert.True(t, m.Isolated())
			r()
			assert.False(t, m.Isolated())
		})
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "outsider while m runs")
		b.do(t, "end", endB)
		a.do(t, "member TryIsolate while mb runs", func() {
			_, ok := m.TryIsolate()
			assert.False(t, ok)
			assert.False(t, m.Isolated())
		})
		noTrace("after a failed member TryIsolate")
		// The failed attempts left m running: an isolation waits for it.
		b.do(t, "mb Harmless", func() { endB = mb.Harmless().End })
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while m runs after its failed TryIsolate")
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		o.wait(t, "isolation")

		// Held: nobody gets one.
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "outsider during an isolation")
		a.do(t, "member TryIsolate during an isolation", func() {
			_, ok := m.TryIsolate()
			assert.False(t, ok)
		})
		rel()
		r, ok = iso.TryIsolate()
		require.True(t, ok, "outsider with every member harmless")
		r()

		// Queued: a request waits for a running member; TryIsolate does not
		// jump the queue although every other member is harmless.
		a.do(t, "end", end)
		o = isolateOp(iso.Isolate, &rel)
		waitQueued(t, &iso, 1, 0)
		b.do(t, "mb TryIsolate with a request queued", func() {
			_, ok := mb.TryIsolate()
			assert.False(t, ok)
		})
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "outsider with a request queued")
		waitQueued(t, &iso, 1, 0)
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		o.wait(t, "the queued request")
		rel()

		// A full request is queued and not eligible (both members harmless,
		// not idle): TryIsolate fails rather than pass it.
		o = isolateOp(iso.IsolateFull, &rel)
		waitQueued(t, &iso, 0, 1)
		_, ok = iso.TryIsolate()
		assert.False(t, ok, "outsider with a full request queued")
		b.do(t, "mb TryIsolate with a full request queued", func() {
			_, ok := mb.TryIsolate()
			assert.False(t, ok)
		})
		waitQueued(t, &iso, 0, 1)
		a.do(t, "end, Idle", func() { end(); end = m.Idle().End })
		b.do(t, "end, Idle", func() { endB(); endB = mb.Idle().End })
		o.wait(t, "the full request")
		rel()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
		b.do(t, "end and Leave", func() { endB(); mb.Leave() })
	})
}

// Isolated is true only inside the member's own isolated section.
func TestIsolated(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a, b := newActor(t), newActor(t)
		m, mb := a.join(t, &iso), b.join(t, &iso)
		var endB func()
		b.do(t, "Idle", func() { endB = mb.Idle().End })
		a.do(t, "own sections", func() {
			assert.False(t, m.Isolated(), "running")
			r := m.Isolate()
			assert.True(t, m.Isolated(), "isolated")
			e := m.Harmless()
			assert.True(t, m.Isolated(), "in a harmless scope inside the section")
			e.End()
			r()
			assert.False(t, m.Isolated(), "after release")
			e = m.Harmless()
			assert.False(t, m.Isolated(), "harmless")
			r = m.Isolate()
			assert.True(t, m.Isolated(), "isolated from a harmless scope")
			r()
			e.End()
			e = m.Idle()
			assert.False(t, m.Isolated(), "idle")
			r = m.IsolateFull()
			assert.True(t, m.Isolated(), "fully isolated from an idle scope")
			r()
			assert.False(t, m.Isolated(), "after release")
			e.End()
		})
		var rel func()
		a.do(t, "m isolates", func() { rel = m.Isolate() })
		b.do(t, "another member's view", func() { assert.False(t, mb.Isolated()) })
		a.do(t, "release and Leave", func() { rel(); m.Leave() })
		b.do(t, "end and Leave", func() { endB(); mb.Leave() })
	})
}

// A failed TryIsolate leaves no watched flag behind: the member it found
// running must not take the Isolator's lock on its next transitions.
func TestWithdrawnRequestLeavesNoWatchedFlag(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	_, ok := iso.TryIsolate()
	require.False(t, ok)
	assert.False(t, m.mb.word.load().watched(), "watched flag left by a withdrawn request")
	assert.Equal(t, [2]sighting{}, iso.watching)

	// Nor does a request abandoned through its context, nor a granted
	// one.
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while the member runs")
		assert.True(t, m.mb.word.load().watched(), "the blocker is watched")
		var end func()
		a.do(t, "Harmless", func() { end = m.Harmless().End })
		o.wait(t, "isolation")
		assert.Equal(t, [2]sighting{}, iso.watching)
		rel()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}
