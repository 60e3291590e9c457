// Check 5 with a member passed to a helper: a helper that only borrows it
// leaves the Leave to the caller.
package borrow

import (
	"context"
	"errors"

	"github.com/isolatekit/isolate"
)

var errMissing = errors.New("missing")

type dir struct {
	iso   isolate.Isolator
	users map[string]string
	keep  []isolate.Member
}

func (d *dir) load(m isolate.Member, id string) (string, error) {
	u, ok := d.users[id]
	if !ok {
		return "", errMissing
	}
	return u, nil
}

func (d *dir) loadIsolated(m isolate.Member, id string) (string, error) {
	defer m.Isolate()()
	return d.load(m, id)
}

func (d *dir) early(id string) (string, error) {
	m := d.iso.Join() // want `m does not Leave on every path: the return at line \d+ leaves it joined`
	u, err := d.load(m, id)
	if err != nil {
		return "", err
	}
	m.Leave()
	return u, nil
}

// Borrowed through a second helper.
func (d *dir) earlyNested(id string) error {
	m := d.iso.Join() // want `m does not Leave on every path`
	if _, err := d.loadIsolated(m, id); err != nil {
		return err
	}
	m.Leave()
	return nil
}

func (d *dir) deferred(id string) (string, error) {
	m := d.iso.Join()
	defer m.Leave()
	return d.load(m, id)
}

// A helper that leaves the member takes the membership over.
func finish(m isolate.Member) { m.Leave() }

func (d *dir) handedToFinish(id string) error {
	m := d.iso.Join()
	if _, ok := d.users[id]; !ok {
		finish(m)
		return errMissing
	}
	finish(m)
	return nil
}

// A helper that stores the member keeps it.
func (d *dir) store(m isolate.Member) { d.keep = append(d.keep, m) }

func (d *dir) stored(id string) error {
	m := d.iso.Join()
	d.store(m)
	if _, ok := d.users[id]; !ok {
		return errMissing
	}
	return nil
}

// A helper that captures it in a func literal may keep it.
func (d *dir) later(m isolate.Member) func() { return func() { m.Leave() } }

func (d *dir) captured() func() {
	m := d.iso.Join()
	f := d.later(m)
	if len(d.users) == 0 {
		return nil
	}
	return f
}

// A helper of another kind (a func value) may keep it.
func (d *dir) viaValue(use func(isolate.Member) error) error {
	m := d.iso.Join()
	if err := use(m); err != nil {
		return err
	}
	m.Leave()
	return nil
}

// Recursion: undecided, so kept.
func walk(m isolate.Member, n int) {
	if n > 0 {
		walk(m, n-1)
	}
}

func (d *dir) recursive() error {
	m := d.iso.Join()
	walk(m, 3)
	if len(d.users) == 0 {
		return errMissing
	}
	m.Leave()
	return nil
}

// The fix for a dropped ...Context release names its err.
func droppedContext(iso *isolate.Isolator, ctx context.Context) { // want droppedContext:"mayBlock"
	_, _ = iso.IsolateContext(ctx) // want `the release func of iso.IsolateContext\(ctx\) is dropped: the isolation never ends; keep it \(release, err := iso.IsolateContext\(ctx\)\) and call it when err is nil`
}
