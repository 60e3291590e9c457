package isolate

// Tests of Harmless and Idle scopes and of Poll: scopes nest, in each other
// and in the member's own isolated section (where they let nobody in and
// wait for nothing); Poll lets a requested isolation run, and does nothing
// in a scope. Busy is in scope_busy_test.go, the exactness of End in
// scope_ends_test.go, misuse in scope_misuse_test.go; what a scope end
// waits for while others isolate is tested with isolation (isolate_test.go,
// isolate_full_test.go). Focused tests, as helpers_test.go describes.

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
)

// Harmless nests in Harmless and in Idle, Idle in Idle: only the
// outermost end makes the member run.
func TestHarmlessScopesNest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var outer func()
		a.do(t, "Harmless in Harmless", func() {
			outer = m.Harmless().End
			m.Harmless().End()
		})
		a.endWaitsOut(t, iso.Isolate, outer, "the inner harmless scope ended, the outer one open")

		a.do(t, "Harmless and Idle in Idle", func() {
			outer = m.Idle().End
			m.Harmless().End()
			m.Idle().End()
		})
		a.endWaitsOut(t, iso.IsolateFull, outer, "the inner scopes ended, the idle one open")
		a.do(t, "Leave", m.Leave)
	})
}

// The grant is an owner, not "everyone looks harmless": an isolated
// member that opens harmless and idle scopes lets no waiting isolator in.
func TestNestedHarmlessInSectionLetsNobodyIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })

		var relP, relF func()
		p := isolateOp(iso.Isolate, &relP)
		waitQueued(t, &iso, 1, 0)
		var end func()
		a.do(t, "open Harmless in own section", func() { end = m.Harmless().End })
		p.blocked(t, "plain isolator while the owner sits in a nested harmless scope")
		a.do(t, "end it and open Idle", func() { end(); end = m.Idle().End })
		p.blocked(t, "plain isolator while the owner sits in a nested idle scope")
		f := isolateOp(iso.IsolateFull, &relF)
		waitQueued(t, &iso, 1, 1)
		f.blocked(t, "full isolator while the owner sits in a nested idle scope")
		assert.True(t, granted(&iso))
		a.do(t, "end Idle, release, open Harmless", func() { end(); rel(); end = m.Harmless().End })
		// m is harmless, not idle: the plain request goes first.
		p.wait(t, "plain isolator after the owner's release")
		f.blocked(t, "full isolator while a plain one holds and m is not idle")
		relP()
		a.do(t, "end, then Idle", func() { end(); end = m.Idle().End })
		f.wait(t, "full isolator once m is idle")
		relF()
		a.do(t, "end Idle", end)
		a.do(t, "Leave", m.Leave)
	})
}

// HAProxy a9a9e9aac. A harmless or idle scope inside the member's own
// isolated section, with requests pending, does not wait for its own
// isolation when it ends.
func TestHarmlessInOwnSectionDoesNotWaitForItself(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var rel, relP, relF func()
		a.do(t, "Isolate", func() { rel = m.Isolate() })
		po := isolateOp(iso.Isolate, &relP)
		waitQueued(t, &iso, 1, 0)
		of := isolateOp(iso.IsolateFull, &relF)
		waitQueued(t, &iso, 1, 1)
		a.do(t, "harmless, idle and Poll inside own section, requests pending", func() {
			m.Harmless().End()
			m.Idle().End()
			end := m.Harmless()
			m.Poll()
			end.End()
			m.Poll()
		})
		po.blocked(t, "plain request during the section")
		a.do(t, "release, Idle", func() { rel(); rel = m.Idle().End })
		// Both eligible now; the older plain one goes first.
		po.wait(t, "plain request")
		of.blocked(t, "full request while the plain one holds")
		relP()
		of.wait(t, "full request")
		relF()
		a.do(t, "end and Leave", func() { rel(); m.Leave() })
	})
}

// Poll lets a requested isolation run, and returns after its release.
func TestPollLetsIsolationRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		a.do(t, "Poll with nothing pending", func() {
			m.Poll()
			assert.Equal(t, modeRunning, m.mb.word.load().mode(), "Poll changed the state")
		})
		var rel func()
		o := isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation while the member runs")
		p := a.start(m.Poll)
		o.wait(t, "isolation once the member polls")
		p.blocked(t, "Poll during the isolation")
		rel()
		p.wait(t, "Poll after the release")
		// Back to running.
		o = isolateOp(iso.Isolate, &rel)
		o.blocked(t, "isolation after the member's Poll returned")
		p = a.start(m.Poll)
		o.wait(t, "isolation")
		rel()
		p.wait(t, "Poll")
		a.do(t, "Leave", m.Leave)
	})
}

// Poll inside a harmless, idle or own isolated scope does nothing and never
// waits.
func TestPollNoOpInScopes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var end, rel func()
		for _, open := range []func() func(){func() func() { return m.Harmless().End }, func() func() { return m.Idle().End }} {
			a.do(t, "open scope", func() { end = open() })
			isolateOp(iso.Isolate, &rel).wait(t, "isolation")
			a.do(t, "Poll in the scope during an isolation", m.Poll)
			rel()
			a.do(t, "end", end)
		}
		a.do(t, "Isolate", func() { rel = m.Isolate() })
		var relB func()
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		a.do(t, "Poll in own section with a request pending", func() {
			m.Poll()
			assert.True(t, m.Isolated())
		})
		ob.blocked(t, "the request after the owner's Poll")
		a.do(t, "release, Harmless", func() { rel(); end = m.Harmless().End })
		ob.wait(t, "the request")
		relB()
		a.do(t, "end and Leave", func() { end(); m.Leave() })
	})
}
