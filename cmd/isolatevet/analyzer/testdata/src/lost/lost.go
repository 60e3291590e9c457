// Check 3: lost ends and releases.
package lost

import (
	"context"
	"errors"

	"github.com/isolatekit/isolate"
)

func dropped(m isolate.Member, iso *isolate.Isolator) {
	m.Harmless()          // want `the Scope of m.Harmless\(\) is dropped`
	m.Idle()              // want `the Scope of m.Idle\(\) is dropped`
	m.Isolate()           // want `the release func of m.Isolate\(\) is dropped`
	iso.Isolate()         // want `the release func of iso.Isolate\(\) is dropped`
	_ = m.Busy()          // want `the Scope of m.Busy\(\) is dropped`
	_, _ = m.TryIsolate() // want `the release func of m.TryIsolate\(\) is dropped: the isolation never ends; keep it`
}

func deferredNotCalled(m isolate.Member, iso *isolate.Isolator) {
	defer m.Harmless()  // want `defer m.Harmless\(\) opens the scope when the func returns, and never ends it: write defer m.Harmless\(\).End\(\)`
	defer iso.Isolate() // want `defer iso.Isolate\(\) isolates when the func returns, and never releases: write defer iso.Isolate\(\)\(\)`
}

func deferredRight(m isolate.Member, iso *isolate.Isolator) {
	defer m.Harmless().End()
	defer iso.Isolate()()
}

func notEveryPath(m isolate.Member, c bool) int {
	sc := m.Harmless() // want `sc is not ended on every path: the return at line 33 leaves m's scope open`
	if c {
		return 1
	}
	sc.End()
	return 0
}

func releaseNotEveryPath(m isolate.Member, c bool) int {
	release := m.Isolate() // want `release is not called on every path`
	if c {
		return 1
	}
	release()
	return 0
}

func tryIsolate(m isolate.Member) bool {
	release, ok := m.TryIsolate()
	if !ok {
		return false
	}
	defer release()
	return true
}

func tryIsolateLost(m isolate.Member, c bool) bool {
	release, ok := m.TryIsolate() // want `release is not called on every path`
	if !ok || c {
		return false
	}
	release()
	return true
}

func isolateContext(m isolate.Member, ctx context.Context) error {
	release, err := m.IsolateContext(ctx)
	if err != nil {
		return err
	}
	release()
	return nil
}

func ifInit(iso *isolate.Isolator) {
	if release, ok := iso.TryIsolate(); ok {
		release()
	}
}

// A scope passed to a helper: the helper may end it.
func passed(m isolate.Member, jobs chan int) int {
	sc := m.Harmless()
	return finish(sc, jobs)
}

func finish(sc isolate.Scope, jobs chan int) int {
	defer sc.End()
	return <-jobs
}

// Returned to the caller, who ends it.
func opener(m isolate.Member) isolate.Scope { return m.Harmless() }

func openerVar(m isolate.Member) (sc isolate.Scope) {
	sc = m.Idle()
	return
}

// Stored in a field: not followed.
type handle struct{ sc isolate.Scope }

func stored(m isolate.Member) *handle { return &handle{sc: m.Idle()} }

// errors.Is(err, …) true: the request failed, its release is nil.
func errorsIs(m isolate.Member, ctx context.Context) {
	release, err := m.IsolateContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return
	}
	release()
}
