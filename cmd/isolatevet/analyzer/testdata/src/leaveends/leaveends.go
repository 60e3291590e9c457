// Leave ends the scopes still open: a return inside a scope, with the
// member's Leave deferred or called on the way, loses nothing. An
// isolation is different: Leave while isolated panics.
package leaveends

import (
	"context"

	"github.com/isolatekit/isolate"
)

func deferredLeave(ctx context.Context, iso *isolate.Isolator, jobs chan int) error {
	m := iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-jobs:
		}
		sc.End()
	}
}

func deferredLeaveInLiteral(iso *isolate.Isolator, jobs chan int) {
	m := iso.Join()
	defer func() {
		m.Leave()
	}()
	sc := m.Idle()
	if _, ok := <-jobs; !ok {
		return
	}
	sc.End()
}

func leaveOnPath(iso *isolate.Isolator, jobs chan int) {
	m := iso.Join()
	sc := m.Idle()
	if _, ok := <-jobs; !ok {
		m.Leave()
		return
	}
	sc.End()
	m.Leave()
}

// No Leave on the early return: the scope stays open.
func noLeave(m isolate.Member, jobs chan int) {
	sc := m.Idle() // want `sc is not ended on every path: the return at line \d+ leaves m's scope open`
	if _, ok := <-jobs; !ok {
		return
	}
	sc.End()
}

// Another member's Leave ends nothing of m's.
func otherLeave(m, other isolate.Member, jobs chan int) {
	defer other.Idle().End()
	sc := m.Idle() // want `sc is not ended on every path`
	if _, ok := <-jobs; !ok {
		other.Leave()
		return
	}
	sc.End()
}

// A deferred Leave does not release an isolation.
func isolation(iso *isolate.Isolator, bad bool) {
	m := iso.Join()
	defer m.Leave()
	release := m.Isolate() // want `release is not called on every path`
	if bad {
		return
	}
	release()
}
