package isolate

// Tests of grace periods against callback members: a busy scope is waited
// for until its End (which counts as an idle entry), also when it is opened
// in unusual places (a harmless scope, an idle scope inside the member's
// own section), and a member joined idle that isolates without a busy
// scope is waited for until its release. Busy's doc: "Busy makes the
// member run until the scope's End is called"; Synchronize's: it waits for
// every member that was not idle when it was called. Defer against busy
// members is in grace_defer_test.go.

import (
	"testing"
	"testing/synctest"
)

// A busy scope opened in a harmless scope ends harmless: a grace period
// that began inside it goes on waiting through the harmless scope and the
// running that follows, until an idle entry.
func TestGraceBusyInsideHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var sc, b Scope
		a.do(t, "Harmless, Busy", func() { sc = m.Harmless(); b = m.Busy() })
		sync := goOp(iso.Synchronize)
		sync.blocked(t, "Synchronize while the member is busy")
		a.do(t, "Busy End", b.End)
		sync.blocked(t, "Synchronize while the member is harmless again")
		a.do(t, "Harmless End", sc.End)
		sync.blocked(t, "Synchronize while the member runs")
		a.do(t, "Idle scope", func() { m.Idle().End() })
		sync.wait(t, "Synchronize after an idle entry")
		a.do(t, "Leave", m.Leave)
	})
}

// A member that joined idle and isolates without a busy scope runs its
// section (its word says running): a grace period waits for the release.
func TestGraceIdleJoinedIsolates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		var m Member
		a.do(t, "JoinIdle", func() { m = iso.JoinIdle() })
		var release func()
		var b Scope
		a.do(t, "Isolate, Busy", func() { release = m.Isolate(); b = m.Busy() })
		sync := goOp(iso.Synchronize)
		sync.blocked(t, "Synchronize while an idle-joined member runs its section")
		a.do(t, "Busy End", b.End)
		sync.blocked(t, "Synchronize while the section runs on")
		a.do(t, "release", release)
		sync.wait(t, "Synchronize after the release (idle again)")
		a.do(t, "Leave", m.Leave)
	})
}

// A member isolated from running opens an idle scope in its section (its
// word says idle, which is right: it holds nothing), then a busy scope: it
// runs again and may take references, so a grace period that begins now
// must wait for it. Busy's "changes nothing inside the member's own
// isolated section" leaves the word idle instead.
func TestGraceBusyInsideIdleInsideOwnSection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.join(t, &iso)
		var release func()
		var id, b Scope
		a.do(t, "Isolate, Idle, Busy", func() { release = m.Isolate(); id = m.Idle(); b = m.Busy() })
		sync := goOp(iso.Synchronize)
		sync.blocked(t, "Synchronize while the member is busy (in its own section)")
		a.do(t, "Busy End", b.End)
		sync.wait(t, "Synchronize after the busy scope ended idle")
		a.do(t, "Idle End", id.End)
		a.do(t, "release", release)
		a.do(t, "Leave", m.Leave)
	})
}

// A grace period waits for a busy member, and ends with its End, which
// counts an idle entry; an idle-joined member is not waited for.
func TestGraceWaitsForBusyMember(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		a := newActor(t)
		m := a.joinIdle(t, &iso)
		goOp(iso.Synchronize).wait(t, "Synchronize with an idle-joined member")

		var sc Scope
		a.do(t, "Busy", func() { sc = m.Busy() })
		sync1 := goOp(iso.Synchronize)
		sync1.blocked(t, "Synchronize while the member is busy")
		a.do(t, "End", sc.End)
		sync1.wait(t, "Synchronize after the busy scope ended")

		// A busy scope inside an idle scope: the same.
		var idle Scope
		a.do(t, "Idle, Busy", func() { idle = m.Idle(); sc = m.Busy() })
		sync2 := goOp(iso.Synchronize)
		sync2.blocked(t, "Synchronize while busy in an idle scope")
		a.do(t, "End", sc.End)
		sync2.wait(t, "Synchronize after the busy scope in Idle ended")
		a.do(t, "end Idle, Leave", func() { idle.End(); m.Leave() })
	})
}
