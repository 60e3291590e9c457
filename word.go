package isolate

import "sync/atomic"

// The two words of the protocol (isolator.go): each member's state word and
// the Isolator's gate, as types whose operations are the protocol's moves.
// Every bit of either word is read or written in this file only; callers
// speak of modes, counts, flags and requests.

// A mode is what a member's state word says that it does: running, harmless
// or idle. Its value is the word's low bits, chosen so that idle has every
// bit of harmless: a request that needs mode need is blocked by a word
// without need's bits (blocks), and one AND of many words tells whether any
// of them blocks (slotGroup.all).
type mode uint32

const (
	modeRunning  mode = 0
	modeHarmless mode = 1 << 0
	modeIdle     mode = 1<<1 | modeHarmless
)

// State word layout: the mode in the low bits, the flags in the high ones,
// so that one compare (>= wordWatched) tells whether a flag is set, and the
// idle count in between.
const (
	wordModeMask uint32 = uint32(modeIdle)
	// idleOne is one idle entry in the count bits, countMask those bits.
	idleOne     uint32 = 1 << 2
	countMask          = wordWatched - idleOne
	wordWatched uint32 = 1 << 30 // an isolator waits for the word to change (P5, P6)
	wordAwaited uint32 = 1 << 31 // a grace period waits for the next idle entry (P8)
)

// An idleCount is the count bits of a state word: the member's idle entries
// so far, wrapping (P7).
type idleCount uint32

// next returns the count after one more idle entry. It inlines.
func (c idleCount) next() idleCount {
	return (c + idleCount(idleOne)) & idleCount(countMask)
}

// A stateWord is a member's published state (the state table in
// isolator.go), alone on a cache line in its slot group. It changes only
// by read-modify-writes, never by a plain Store once scans may see it
// ("Writes" in isolator.go).
type stateWord struct{ v atomic.Uint32 }

// stateBits is one value of a state word, as a load or a swap returned it.
type stateBits uint32

// load returns the word's value. It inlines, as every operation of this
// file that a fast path uses does (CI checks each "It inlines").
func (w *stateWord) load() stateBits { return stateBits(w.v.Load()) }

// swap is a member's move, on its own goroutine, into mode m with its idle
// count c: it drops both flags, and returns the old value, whose flags the
// caller acts on (a kick, a hand-on of the awaited flag). It inlines.
func (w *stateWord) swap(m mode, c idleCount) stateBits {
	return stateBits(w.v.Swap(uint32(c) | uint32(m)))
}

// init gives a new slot's word its first value, idle, before any scan can
// see it (T1).
func (w *stateWord) init() { w.v.Store(uint32(modeIdle)) }

// set writes mode m in the word of a member that is not moving itself (it
// waits, or the caller is its goroutine under Isolator.mu): it keeps the
// count (this never moves a word into idle from another mode, P7) and the
// awaited flag (P8), and drops the watched flag ("Writes" in isolator.go).
func (w *stateWord) set(m mode) {
	for {
		old := w.v.Load()
		if w.v.CompareAndSwap(old, old&(countMask|wordAwaited)|uint32(m)) {
			return
		}
	}
}

// watch sets the watched flag on the word if it still holds seen, as a scan
// read it (P5), and reports whether the word holds seen with the flag now.
func (w *stateWord) watch(seen stateBits) bool {
	return seen.watched() || w.v.CompareAndSwap(uint32(seen), uint32(seen)|wordWatched)
}

// await sets the awaited flag on the word if it still holds seen, as a
// grace period's waiter read it (P8, G3), and reports whether the word
// holds seen with the flag now.
func (w *stateWord) await(seen stateBits) bool {
	return seen.awaited() || w.v.CompareAndSwap(uint32(seen), uint32(seen)|wordAwaited)
}

// reawait sets the awaited flag again, which the member's move into a mode
// other than idle has just taken from its word, for a grace period that
// still watches it (P8; under graceDomain.mu).
func (w *stateWord) reawait() { w.v.Or(wordAwaited) }

// unwatch clears the watched flag if it is set; unawait clears the awaited
// one. The member may move meanwhile: its swap clears the flag too, and
// what it does because it saw the flag (a kick, a hand-on) only costs one
// more look (P6, G4).
func (w *stateWord) unwatch() { w.clear(wordWatched) }
func (w *stateWord) unawait() { w.clear(wordAwaited) }

func (w *stateWord) clear(flag uint32) {
	for old := w.v.Load(); old&flag != 0; old = w.v.Load() {
		if w.v.CompareAndSwap(old, old&^flag) {
			return
		}
	}
}

// mode returns the mode the word says.
func (b stateBits) mode() mode { return mode(uint32(b) & wordModeMask) }

// count returns the word's idle count.
func (b stateBits) count() idleCount { return idleCount(uint32(b) & countMask) }

// flagged reports whether either flag is set: one compare, for the fast
// paths. It inlines.
func (b stateBits) flagged() bool { return uint32(b) >= wordWatched }

// watched reports whether an isolator watches the word (P5).
func (b stateBits) watched() bool { return uint32(b)&wordWatched != 0 }

// awaited reports whether a grace period waits for the member's next idle
// entry (P8).
func (b stateBits) awaited() bool { return uint32(b)&wordAwaited != 0 }

// blocks reports whether a member whose word is b keeps a request that
// needs mode need waiting: the one test of who blocks.
func (b stateBits) blocks(need mode) bool { return mode(b)&need != need }

// idleSince reports whether a member whose word held count c at a grace
// period's snapshot, in a mode other than idle, has been idle since, now
// that its word is b (G1).
func (b stateBits) idleSince(c idleCount) bool {
	return b.mode() == modeIdle || b.count() != c
}

// public returns the mode of b as an exported State.
func (b stateBits) public() State {
	switch b.mode() {
	case modeIdle:
		return StateIdle
	case modeHarmless:
		return StateHarmless
	}
	return StateRunning
}

// Gate layout (the gate table in isolator.go).
const (
	gatePlain     uint64 = 1       // one pending plain request
	gateYield     uint64 = 1 << 31 // a grace period waits: yield at idle ends
	gateFull      uint64 = 1 << 32 // one pending full request
	gateGranted   uint64 = 1 << 63
	gatePlainMask        = gateYield - 1
	gateFullMask         = gateGranted - gateFull
	// gateHoldsHarmless are the bits that keep a member from ending a
	// harmless scope; any bit sends a member ending an idle one to the
	// slow path, which holds it unless only gateYield is set.
	gateHoldsHarmless = gateGranted | gatePlainMask
)

// A gateWord is the Isolator's gate: the read-mostly word that every
// member loads when it leaves a harmless or idle scope. Only the
// Isolator's slow paths write it: under Isolator.mu for the requests and
// the grant, under graceDomain.mu for the yield bit.
type gateWord struct{ v atomic.Uint64 }

// gateBits is one value of the gate.
type gateBits uint64

// load returns the gate's value. It inlines.
func (g *gateWord) load() gateBits { return gateBits(g.v.Load()) }

// holdsHarmless reports whether the gate keeps members from ending harmless
// scopes: an isolation is in progress or a plain one requested; or g is nil
// (the gate of the zero Member, whose slow path panics). It is Poll's
// whole fast path. It inlines.
func (g *gateWord) holdsHarmless() bool {
	return g == nil || g.v.Load()&gateHoldsHarmless != 0
}

// weight is what a pending request of kind full adds to the gate.
func weight(full bool) uint64 {
	if full {
		return gateFull
	}
	return gatePlain
}

// request publishes a pending request (P1: before any scan that may grant
// it).
func (g *gateWord) request(full bool) { g.v.Add(weight(full)) }

// withdraw takes a pending request back.
func (g *gateWord) withdraw(full bool) { g.v.Add(-weight(full)) }

// plainN adds n pending plain requests (n may be negative).
func (g *gateWord) plainN(n int) { g.v.Add(uint64(int64(n)) * gatePlain) }

// grant turns a pending request into the grant.
func (g *gateWord) grant(full bool) { g.v.Add(gateGranted - weight(full)) }

// grantAtOnce publishes the grant of a request that was never pending (an
// uncontended one, see grantAtOnce in request.go); ungrant takes it back if
// a member blocks it.
func (g *gateWord) grantAtOnce() { g.v.Add(gateGranted) }
func (g *gateWord) ungrant()     { g.v.And(^gateGranted) }

// release clears the grant, and reports whether full requests are pending.
func (g *gateWord) release() (fullPending bool) {
	return g.v.And(^gateGranted)&gateFullMask != 0
}

// askYield and stopYield set and clear the yield bit (under graceDomain.mu).
func (g *gateWord) askYield()  { g.v.Or(gateYield) }
func (g *gateWord) stopYield() { g.v.And(^gateYield) }

// holdsBack reports whether the gate keeps a member from going from mode
// from (harmless or idle) to running. The yield bit counts: it sends
// members ending idle scopes to the slow path (see admitOrHold), which
// asks again without it. It inlines.
func (b gateBits) holdsBack(from mode) bool {
	// Without a branch: from>>1 is 1 for idle, 0 for harmless. gateYield
	// lies between the plain and the full counts: the mask for idle is one
	// run of bits.
	return uint64(b)&(gateHoldsHarmless|uint64(from>>1)*(gateFullMask|gateYield)) != 0
}

// yield reports whether a grace period asks members ending idle scopes to
// yield; sansYield returns the gate without that wish, which holds nobody.
func (b gateBits) yield() bool         { return uint64(b)&gateYield != 0 }
func (b gateBits) sansYield() gateBits { return b &^ gateBits(gateYield) }
