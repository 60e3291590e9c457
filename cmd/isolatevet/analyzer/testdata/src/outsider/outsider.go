// Check 4: asking through the Isolator from a running member.
package outsider

import (
	"context"

	"github.com/isolatekit/isolate"
)

func isolateThroughIsolator(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	release := iso.Isolate() // want `iso.Isolate\(\) from running member m waits for m itself: use m.Isolate\(\)`
	release()
}

func isolateThroughMember(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	release := m.Isolate()
	release()
}

func fullThroughIsolator(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	defer iso.IsolateFull()() // want `iso.IsolateFull\(\) from running member m waits for m itself: use m.IsolateFull\(\)`
}

func synchronize(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	iso.Synchronize() // want `iso.Synchronize\(\) from running member m waits for m itself: synchronize from an Idle scope`
}

func synchronizeIdle(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	sc := m.Idle()
	iso.Synchronize()
	sc.End()
}

func synchronizeContext(iso *isolate.Isolator, ctx context.Context) error {
	m := iso.Join()
	defer m.Leave()
	return iso.SynchronizeContext(ctx) // want `iso.SynchronizeContext\(\) from running member m waits for m itself`
}

func join(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	m2 := iso.Join() // want `iso.Join\(\) from running member m waits for m itself: join from an Idle scope of m, or use JoinIdle`
	m2.Leave()
	m3 := iso.JoinIdle()
	m3.Leave()
}

func do(iso *isolate.Isolator, n *int) {
	m := iso.Join()
	defer m.Leave()
	iso.Do(func() { *n++ }) // want `iso.Do\(\) from running member m waits for m itself: use m.Do\(f\)`
	m.Do(func() { *n++ })
}

func barrier(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	iso.Barrier() // want `iso.Barrier\(\) from running member m waits for m itself`
	iso.Defer(func() {})
}

func tryIsolate(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	if release, ok := iso.TryIsolate(); ok { // want `iso.TryIsolate\(\) never succeeds while its member m runs: use m.TryIsolate\(\)`
		release()
	}
}

// An outsider: no member, nothing to report.
func outsider(iso *isolate.Isolator) { // want outsider:"mayBlock\\(iso.Isolate at outsider.go:83\\)"
	defer iso.Isolate()()
	iso.Synchronize()
}

// A member parameter of an Isolator not known: still blocking while it runs.
func param(m isolate.Member, iso *isolate.Isolator) {
	iso.Synchronize() // want `iso.Synchronize\(\) blocks while m runs: if m is a member of this Isolator`
}

// After Leave the goroutine is an outsider again.
func afterLeave(iso *isolate.Isolator) {
	m := iso.Join()
	m.Leave()
	iso.Synchronize()
}
