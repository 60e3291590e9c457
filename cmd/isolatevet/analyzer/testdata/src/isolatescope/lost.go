package isolatescope

import "github.com/isolatekit/isolate"

// Lost and twice-ended isolations, with Isolate's release func and with
// IsolateScope's Scope.

func dropped(m isolate.Member) {
	m.Isolate()          // want `the release func of m.Isolate\(\) is dropped: the isolation never ends; write defer m.Isolate\(\)\(\)`
	m.IsolateScope()     // want `the Scope of m.IsolateScope\(\) is dropped: the isolation never ends; write defer m.IsolateScope\(\).End\(\), or sc := m.IsolateScope\(\) … sc.End\(\)`
	_ = m.IsolateScope() // want `the Scope of m.IsolateScope\(\) is dropped: the isolation never ends`
}

func deferredNotCalled(m isolate.Member) {
	defer m.Isolate()      // want `defer m.Isolate\(\) isolates when the func returns, and never releases: write defer m.Isolate\(\)\(\)`
	defer m.IsolateScope() // want `defer m.IsolateScope\(\) isolates when the func returns, and never releases: write defer m.IsolateScope\(\).End\(\)$`
}

func releaseNotEveryPath(m isolate.Member, c bool) int {
	release := m.Isolate() // want `release is not called on every path: the return at line \d+ leaves the isolation held; defer release\(\) right after the request`
	if c {
		return 1
	}
	release()
	return 0
}

func endNotEveryPath(m isolate.Member, c bool) int {
	sc := m.IsolateScope() // want `sc is not ended on every path: the return at line \d+ leaves the isolation held; defer sc.End\(\) right after the request`
	if c {
		return 1
	}
	sc.End()
	return 0
}

// A deferred Leave ends the scopes still open, but not an isolation:
// Leave while isolated panics.
func leaveIsolate(iso *isolate.Isolator, bad bool) {
	m := iso.Join()
	defer m.Leave()
	release := m.Isolate() // want `release is not called on every path`
	if bad {
		return
	}
	release()
}

func leaveScope(iso *isolate.Isolator, bad bool) {
	m := iso.Join()
	defer m.Leave()
	sc := m.IsolateScope() // want `sc is not ended on every path`
	if bad {
		return
	}
	sc.End()
}

// Ended on every path, deferred, or handed back to the caller: nothing lost.
func endedEveryPath(m isolate.Member, c bool) int {
	sc := m.IsolateScope()
	defer sc.End()
	if c {
		return 1
	}
	return 0
}

func opener(m isolate.Member) isolate.Scope { return m.IsolateScope() }

// Ended twice: the second End panics.
func releasedTwice(m isolate.Member, bad bool) {
	release := m.Isolate()
	if bad {
		release()
	}
	release() // want `release is ended a second time here, after the end at line \d+`
}

func endedTwice(m isolate.Member, bad bool) {
	sc := m.IsolateScope()
	if bad {
		sc.End()
	}
	sc.End() // want `sc.End is ended a second time here, after the end at line \d+`
}

func endedTwiceStraight(m isolate.Member) {
	sc := m.IsolateScope()
	sc.End()
	sc.End() // want `sc.End is ended a second time here`
}

// A new isolation in between: each End is its own.
func reopened(m isolate.Member) {
	sc := m.IsolateScope()
	sc.End()
	sc = m.IsolateScope()
	sc.End()
}
