package isolate

import "context"

// Isolate waits until every other member is harmless, idle or waiting to
// isolate itself, and returns with the member isolated: no other member runs
// until release is called. Requests are granted in arrival order.
//
// While it waits the member counts as harmless. Isolate may be called inside
// a harmless or idle scope; release then leaves the member in that scope.
// Inside the member's own isolated section, Isolate nests and waits for
// nothing. release must be called by the member, in scope order:
//
//	defer m.Isolate()()
func (m *Member) Isolate() (release func()) {
	release, _ = m.isolate(cancel{}, false, false)
	return release
}

// IsolateContext is [Member.Isolate] that gives up when ctx is done. It then
// returns a nil release and an error wrapping ctx.Err(), and leaves no trace:
// the member is back in its previous state as soon as no isolation is in
// progress (it does not wait for other pending requests).
func (m *Member) IsolateContext(ctx context.Context) (release func(), err error) {
	return m.isolate(cancelBy(ctx), false, false)
}

// IsolateFull is [Member.Isolate] that waits until every other member is
// idle (see [Member.Idle]). While it waits, the member counts as idle.
// Inside the member's own plain isolated section it panics: a plain
// isolation cannot be upgraded to a full one.
func (m *Member) IsolateFull() (release func()) {
	release, _ = m.isolate(cancel{}, true, false)
	return release
}

// IsolateFullContext is [Member.IsolateFull] that gives up when ctx is done,
// as [Member.IsolateContext] does.
func (m *Member) IsolateFullContext(ctx context.Context) (release func(), err error) {
	return m.isolate(cancelBy(ctx), true, false)
}

// TryIsolate isolates the member if that needs no waiting: no other
// isolation is in progress or requested and every other member is harmless.
// It reports whether it did; on false it leaves no trace. Inside the
// member's own isolated section it nests and succeeds.
func (m *Member) TryIsolate() (release func(), ok bool) {
	release, err := m.isolate(cancel{}, false, true)
	return release, err == nil
}

// Isolated reports whether the member runs isolated: inside the section of
// its own Isolate, IsolateFull or TryIsolate.
func (m *Member) Isolated() bool {
	return m.own > 0
}

func (m *Member) isolate(c cancel, full, try bool) (func(), error) {
	m.mustBeJoined()
	d := m.depth
	if m.own > 0 {
		if full && !m.ownFull {
			panic("isolate: IsolateFull inside a plain isolated section (no upgrade)")
		}
		m.push(kindIsolate, false)
		return m.endFunc(d, kindIsolate), nil
	}
	if c.ended() {
		return nil, c.abandoned()
	}
	if m.req == nil {
		m.req = &request{member: m}
	}
	iso, req := m.iso, m.req
	iso.mu.Lock()
	if try && !iso.quietLocked() {
		iso.mu.Unlock()
		return nil, errWouldWait
	}
	req.full, req.mode = full, m.mode
	// Waiting counts as harmless, or idle for a full request (as in
	// HAProxy): the member touches nothing while it waits. A watched flag
	// this clears needs no kick: awaitGrant schedules.
	waitIn := stateHarmless
	if full || m.mode == stateIdle {
		waitIn = stateIdle
	}
	m.slot.state.Swap(waitIn)
	if err := iso.awaitGrant(req, c, try); err != nil {
		return nil, err
	}
	m.own, m.ownFull = d+1, full
	m.push(kindIsolate, true)
	return m.endFunc(d, kindIsolate), nil
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
