package isolate

import "context"

// Isolate waits until every other member is harmless, idle or waiting to
// isolate itself, and returns with the member isolated: no other member runs
// until release is called. Requests are granted in arrival order.
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
// isolation is in progress or requested and every other member is harmless.
// It reports whether it did; on false it leaves no trace. It never blocks. Inside the
// member's own isolated section it nests and succeeds.
func (m Member) TryIsolate() (release func(), ok bool) {
	release, err := m.isolate(abort{}, false, true)
	return release, err == nil
}

// Isolated reports whether the member runs isolated: inside the section of
// its own Isolate, IsolateFull or TryIsolate.
func (m Member) Isolated() bool {
	s := m.s
	return s != nil && s.gen.Load() == m.gen && s.own > 0
}

func (m Member) isolate(a abort, full, try bool) (func(), error) {
	s := m.state()
	if s.own > 0 {
		if full && !s.ownFull {
			panic("isolate: IsolateFull inside a plain isolated section (no upgrade)")
		}
		s.reserve()
		return m.pushIsolate(false), nil
	}
	if full && (s.mode == stateHarmless || s.depth > 0 && s.mode == stateRunning && s.busyInHarmless()) {
		panic("isolate: IsolateFull inside a Harmless scope (the member may hold references)")
	}
	if a.ended() {
		return nil, a.err()
	}
	// iso.acquire is called from here, not from a helper: stall reports
	// find the caller of Isolate at a fixed depth (stall.go).
	if err := s.iso.acquire(s.lockRequest(full), a, try); err != nil {
		return nil, err
	}
	s.own, s.ownFull = s.depth+1, full
	return m.pushIsolate(true), nil
}

// lockRequest readies the member's request for an isolation (full or
// plain), after reserving room for its isolate scope so that the grant
// finds room, and returns it with mu locked, for Isolator.acquire.
func (s *member) lockRequest(full bool) *request {
	s.reserve()
	if s.req == nil {
		s.req = &request{member: s}
	}
	req := s.req
	s.iso.mu.Lock()
	req.full, req.prev = full, s.mode
	return req
}

// pushIsolate opens an isolate scope, the one holding the grant if holds is
// set, and returns its release func, bound to it by its tag. The caller
// reserved room.
func (m Member) pushIsolate(holds bool) func() {
	tag := m.openIsolate(holds)
	return func() { m.release(tag) }
}

// openIsolate opens an isolate scope as pushIsolate does and returns its
// tag, for a caller that releases it itself (Do).
func (m Member) openIsolate(holds bool) uint64 {
	s := m.s
	tag := s.push(kindIsolate, s.mode)
	s.stack[s.depth-1].holds = holds
	return tag
}

// release ends the isolate scope named tag, which must be the innermost
// open scope of a member that has not left.
func (m Member) release(tag uint64) {
	s := m.state()
	if s.loadTop() != tag {
		panic("isolate: isolation released twice or out of order")
	}
	e := &s.stack[s.depth-1]
	s.pop(e)
	if e.holds {
		s.own, s.ownFull = 0, false
		s.iso.releaseMember(s.req)
	}
}

// releaseMember ends the isolation that the member's request req holds.
func (iso *Isolator) releaseMember(req *request) {
	iso.mu.Lock()
	if iso.owner != req {
		iso.mu.Unlock()
		panic("isolate: internal error: member released an isolation it does not hold")
	}
	iso.releaseLocked(req)
	iso.mu.Unlock()
}
