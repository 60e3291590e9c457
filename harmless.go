package isolate

// Harmless marks the member harmless until end is called: it promises not
// to touch the shared state the Isolator protects, so that an isolation may
// run meanwhile. end waits for such an isolation to end. Wrap every call
// that may block:
//
//	end := m.Harmless()
//	v := <-jobs
//	end()
//
// Scopes nest, and must end in the reverse order of opening. Harmless
// inside an idle scope or inside another harmless scope changes nothing.
// Inside the member's own isolated section it is allowed and waits for
// nobody.
func (m *Member) Harmless() (end func()) {
	prev := m.mode
	if prev == stateRunning {
		// Publish first: the swap then finds no store of ours to wait for.
		m.enter(stateHarmless)
		m.mode = stateHarmless
	}
	return m.endFunc(m.pushFrom(kindHarmless, false, prev), kindHarmless)
}

// Idle marks the member idle until end is called: harmless, and holding no
// reference to shared objects (typically: waiting for its next job), so that
// even a full isolation ([Isolator.IsolateFull]) may run meanwhile. end waits
// while any isolation is in progress or requested.
//
// Idle panics inside a harmless scope, where the member may hold
// references. Harmless and Idle scopes nested inside Idle change nothing.
func (m *Member) Idle() (end func()) {
	if m.mode == stateHarmless {
		panic("isolate: Idle inside a Harmless scope")
	}
	d := m.push(kindIdle, false)
	if m.mode == stateRunning {
		m.mode = stateIdle
		m.enter(stateIdle)
	}
	return m.endFunc(d, kindIdle)
}

// Poll is a safepoint for members that run long without blocking: if an
// isolation is requested, the member becomes harmless until it ends, then
// runs on. When nothing is requested Poll costs one load. Inside a harmless,
// idle or own isolated scope it does nothing.
func (m *Member) Poll() {
	if m.gate.Load()&gateHoldsHarmless != 0 {
		m.pollSlow()
	}
}

func (m *Member) pollSlow() {
	m.mustBeJoined()
	if m.mode != stateRunning || m.own > 0 {
		return
	}
	m.mode = stateHarmless
	m.enter(stateHarmless)
	m.resume()
}

// endFunc returns the cached end func of the scope of kind k at depth d.
func (m *Member) endFunc(d int, k scopeKind) func() {
	if f := m.ends[d][k]; f != nil {
		return f
	}
	return m.makeEnd(d, k)
}

// makeEnd creates the end func of the scope of kind k at depth d, once per
// member, depth and kind. The func is the whole end path, not a call to a
// method, so that ending a scope costs one call. It must not inline: the
// compiler would then not inline the atomics inside the func.
//
//go:noinline
func (m *Member) makeEnd(d int, k scopeKind) func() {
	f := func() {
		if d+1 != m.depth || m.stack[d].kind != k {
			m.endMisuse(d, k)
			return
		}
		e := &m.stack[d]
		if e.holds {
			m.depth = d
			m.own, m.ownFull = 0, false
			m.iso.releaseMember(m.req)
			return
		}
		if from := m.mode; e.prev != from {
			// Back to running (Idle inside Harmless panics, so e.prev
			// is running). This is resume, written out, with the swap
			// before our stores so that it waits for none of them.
			old := m.state.Swap(stateRunning)
			m.mode, m.depth = stateRunning, d
			if old >= stateWatched || holds(from, m.gate.Load()) {
				m.resumeSlow(from)
			}
			return
		}
		m.depth = d
	}
	m.ends[d][k] = f
	return f
}

var endMisuseMessages = [numKinds]string{
	kindHarmless: "isolate: Harmless scope ended twice or out of order",
	kindIdle:     "isolate: Idle scope ended twice or out of order",
	kindIsolate:  "isolate: isolation released twice or out of order",
}

// endMisuse handles an end func called for a scope that is not the
// innermost open one: a scope that Leave ended (a no-op), or misuse.
func (m *Member) endMisuse(d int, k scopeKind) {
	if m.left && k != kindIsolate && d < len(m.leaveEnded) && m.leaveEnded[d] {
		m.leaveEnded[d] = false
		return
	}
	panic(endMisuseMessages[k])
}

// enter publishes that the member is harmless or idle (st, which the caller
// has made m.mode), and kicks an isolator that waits for this change.
func (m *Member) enter(st uint32) {
	if m.state.Swap(st) >= stateWatched {
		m.kick()
	}
}

// kick runs the Isolator's scheduler (out of line: enter stays inlinable).
func (m *Member) kick() {
	m.iso.kick()
}

// resume publishes that the member runs, then checks the gate (invariant 1):
// if an isolation holds it, or an isolator watched it, the slow path decides.
func (m *Member) resume() {
	from := m.mode
	m.mode = stateRunning
	if m.state.Swap(stateRunning) >= stateWatched || holds(from, m.gate.Load()) {
		m.resumeSlow(from)
	}
}

// resumeSlow is out of line so that resume inlines.
func (m *Member) resumeSlow(from uint32) {
	m.iso.resumeSlow(m.slot, m.req, from)
}
