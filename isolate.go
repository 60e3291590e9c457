package isolate

import (
	"context"
	"errors"
	"fmt"
)

// The isolation API: Isolate, IsolateFull, TryIsolate and their Context
// forms, of outsiders (through the Isolator) and of members (through their
// Member, nesting inside their own section), with their release funcs. Each
// makes a request and hands it to acquire (request.go).

// Isolate waits until every member is harmless, idle or waiting to isolate
// itself, and returns with the calling goroutine isolated: no member runs
// until release is called. Call it from a goroutine that is not a member
// (a member isolates with [Member.Isolate]; through the Isolator it would wait
// for itself).
//
// release may be called from any goroutine, once: it is bound to this one
// isolation, and a second call panics, whatever has happened since. Calling
// Isolate again before release deadlocks, as locking a sync.Mutex twice
// does.
//
// Typical use:
//
//	defer iso.Isolate()()
func (iso *Isolator) Isolate() (release func()) {
	release, _ = iso.isolate(abort{}, false, false)
	return release
}

// IsolateContext is [Isolator.Isolate] that gives up when ctx is done. It
// then returns a nil release and an error wrapping ctx.Err(), and leaves no
// trace: members it held back run on, later isolations are unaffected.
func (iso *Isolator) IsolateContext(ctx context.Context) (release func(), err error) {
	return iso.isolate(abortBy(ctx), false, false)
}

// IsolateFull is [Isolator.Isolate] that waits until every member is idle
// (see [Member.Idle]), so that the isolated section may free or replace
// objects that members could otherwise hold between jobs.
func (iso *Isolator) IsolateFull() (release func()) {
	release, _ = iso.isolate(abort{}, true, false)
	return release
}

// IsolateFullContext is [Isolator.IsolateFull] that gives up when ctx is
// done, as [Isolator.IsolateContext] does.
func (iso *Isolator) IsolateFullContext(ctx context.Context) (release func(), err error) {
	return iso.isolate(abortBy(ctx), true, false)
}

// TryIsolate isolates the calling goroutine if that needs no waiting: no
// isolation is in progress or requested (requests woken to ask again do
// not count: see Fairness in the package documentation) and every member
// is harmless. It reports whether it did; on false it leaves no trace.
func (iso *Isolator) TryIsolate() (release func(), ok bool) {
	release, err := iso.isolate(abort{}, false, true)
	return release, err == nil
}

// errWouldWait is what isolate returns when try is set and it would wait.
var errWouldWait = errors.New("isolate: isolation would wait")

func (iso *Isolator) isolate(a abort, full, try bool) (func(), error) {
	if a.ended() {
		return nil, a.err()
	}
	iso.mu.Lock()
	req := iso.freeRequests.take()
	req.full = full
	if err := iso.acquire(req, a, try); err != nil {
		iso.mu.Lock()
		iso.freeRequests.keep(req)
		iso.mu.Unlock()
		return nil, err
	}
	grant := req.grants
	return func() { iso.releaseOutsider(req, grant) }, nil
}

// Isolate waits until every other member is harmless, idle or waiting to
// isolate itself, and returns with the member isolated: no other member runs
// until release is called. Requests are granted in arrival order, but for a
// request made as an isolation ends, which may be granted ahead of those
// that wait (see Fairness in the package documentation).
//
// While it waits the member counts as harmless, or as idle if it asked from
// an idle scope. Isolate may be called inside a harmless or idle scope;
// release then leaves the member in that scope.
// Inside the member's own isolated section, Isolate nests and waits for
// nothing. release must be called by the member, in scope order, once: it
// is bound to this one isolation, and a second call panics, whatever has
// happened since.
//
//	defer m.Isolate()()
func (m Member) Isolate() (release func()) {
	release, _ = m.isolate(abort{}, false, false)
	return release
}

// IsolateContext is [Member.Isolate] that gives up when ctx is done. It then
// returns a nil release and an error wrapping ctx.Err(), and leaves no trace:
// the member is back in its previous state as soon as no isolation is in
// progress (it does not wait for other pending requests).
func (m Member) IsolateContext(ctx context.Context) (release func(), err error) {
	return m.isolate(abortBy(ctx), false, false)
}

// IsolateFull is [Member.Isolate] that waits until every other member is
// idle (see [Member.Idle]). While it waits, the member counts as idle, so it
// must hold no references: IsolateFull panics inside a harmless scope, and
// inside a busy scope opened in one, as Idle does. Inside the member's own plain isolated section it panics too:
// a plain isolation cannot be upgraded to a full one.
func (m Member) IsolateFull() (release func()) {
	release, _ = m.isolate(abort{}, true, false)
	return release
}

// IsolateFullContext is [Member.IsolateFull] that gives up when ctx is done,
// as [Member.IsolateContext] does.
func (m Member) IsolateFullContext(ctx context.Context) (release func(), err error) {
	return m.isolate(abortBy(ctx), true, false)
}

// TryIsolate isolates the member if that needs no waiting: no other
// isolation is in progress or requested (as for [Isolator.TryIsolate]) and
// every other member is harmless. It reports whether it did; on false it
// leaves no trace. It never blocks. Inside the member's own isolated
// section it nests and succeeds.
func (m Member) TryIsolate() (release func(), ok bool) {
	release, err := m.isolate(abort{}, false, true)
	return release, err == nil
}

// Isolated reports whether the member runs isolated: inside the section of
// its own Isolate, IsolateScope, IsolateFull or TryIsolate (or its Do
// section, when Do runs it there).
func (m Member) Isolated() bool {
	mb := m.mb
	return mb != nil && mb.gen.Load() == m.gen && mb.own > 0
}

// IsolateScope is [Member.Isolate] that returns the isolation as a [Scope],
// whose End releases it. It allocates nothing per isolation, where
// Isolate's release func is one allocation: it is the form for a hot path,
// such as a server's write per request. It is plain and blocking only; the
// other forms (IsolateFull, TryIsolate, the Context forms) return release
// funcs.
//
//	defer m.IsolateScope().End()
//
// Everything Isolate's doc says holds, with the Scope's End for release:
// End must be called by the member, in scope order, once; it is bound to
// this one isolation, and an End called twice or out of order panics and
// changes nothing, whatever has happened since. Inside the member's own
// isolated section IsolateScope nests, as Isolate does, and so do Isolate
// inside it and Harmless, Idle and Busy scopes inside either.
func (m Member) IsolateScope() Scope {
	tag, _ := m.isolateTag(abort{}, false, false)
	return Scope{m.mb, tag}
}

func (m Member) isolate(a abort, full, try bool) (func(), error) {
	tag, err := m.isolateTag(a, full, try)
	if err != nil {
		return nil, err
	}
	return func() { m.release(tag) }, nil
}

// isolateTag isolates the member and returns the tag of the isolate scope
// it opened: the one holding the grant, or one nested in the member's own
// section.
func (m Member) isolateTag(a abort, full, try bool) (uint64, error) {
	mb := m.live()
	if mb.own > 0 {
		if full && !mb.ownFull {
			panic("isolate: IsolateFull inside a plain isolated section (no upgrade)")
		}
		mb.reserve()
		return m.openIsolate(false), nil
	}
	if full && (mb.mode == modeHarmless || mb.depth > 0 && mb.mode == modeRunning && mb.busyInHarmless()) {
		panic("isolate: IsolateFull inside a Harmless scope (the member may hold references)")
	}
	if a.ended() {
		return 0, a.err()
	}
	// Stall reports name the first frame outside the library above the
	// wait (waitSite), at whatever depth.
	if err := mb.iso.acquire(mb.lockRequest(full), a, try); err != nil {
		return 0, err
	}
	mb.own, mb.ownFull = mb.depth+1, full
	return m.openIsolate(true), nil
}

// openIsolate opens an isolate scope, the one holding the grant if
// ownsGrant is set, and returns its tag, which binds a release func or a
// Scope to it. The caller reserved room.
func (m Member) openIsolate(ownsGrant bool) uint64 {
	mb := m.mb
	tag := mb.push(kindIsolate, mb.mode)
	mb.stack[mb.depth-1].ownsGrant = ownsGrant
	return tag
}

// release ends the isolate scope named tag, which must be the innermost
// open scope of a member that has not left.
func (m Member) release(tag uint64) {
	mb := m.live()
	if mb.loadTop() != tag {
		panic(releaseMisuse)
	}
	mb.endIsolate(&mb.stack[mb.depth-1])
}

const releaseMisuse = "isolate: isolation released twice or out of order"

// endIsolate ends the isolate scope e, the innermost open one, which the
// caller checked: a release func's call or its Scope's End.
func (mb *member) endIsolate(e *scope) {
	mb.pop(e)
	if e.ownsGrant {
		mb.own, mb.ownFull = 0, false
		mb.iso.releaseMember(mb.req)
	}
}

// abort is what may end a wait for an isolation: the context of the
// ...Context forms. The zero value, for the forms without one, never ends
// and spares their fast path the context's interface calls.
type abort struct{ ctx context.Context }

// abortBy returns the abort of ctx, which must not be nil.
func abortBy(ctx context.Context) abort {
	if ctx == nil {
		panic("isolate: nil Context")
	}
	return abort{ctx}
}

func (a abort) ended() bool {
	return a.ctx != nil && a.ctx.Err() != nil
}

// done is closed when a ends; nil (never ready) for the zero abort.
func (a abort) done() <-chan struct{} {
	if a.ctx == nil {
		return nil
	}
	return a.ctx.Done()
}

// err is the error of a request that a ended.
func (a abort) err() error {
	return fmt.Errorf("isolate: isolation abandoned: %w", a.ctx.Err())
}
