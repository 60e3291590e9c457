package isolate

import "sync/atomic"

// Slot state word layout (see the protocol above): the state in the low
// bits, the flags in the high ones, so that one compare (>= stateWatched)
// tells whether a flag is set, and the count in between.
const (
	stateRunning  uint32 = 0
	stateHarmless uint32 = 1 << 0
	stateIdle     uint32 = 1<<1 | stateHarmless
	stateWatched  uint32 = 1 << 30
	stateAwaited  uint32 = 1 << 31
	// stateMask are the bits of the state proper.
	stateMask = stateIdle
	// idleOne is one idle entry in the count bits, countMask those bits.
	idleOne   uint32 = 1 << 2
	countMask        = stateWatched - idleOne
)

// Gate word layout (see the protocol above).
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

// holds reports whether gate g keeps a member from going from state from
// (harmless or idle) to running.
func holds(from uint32, g uint64) bool {
	// Without a branch: from>>1 is 1 for idle, 0 for harmless. gateYield
	// lies between the plain and the full counts: the mask for idle is one
	// run of bits.
	return g&(gateHoldsHarmless|uint64(from>>1)*(gateFullMask|gateYield)) != 0
}

// setState writes st in the state word w of a member that is not moving
// itself (it waits, or the caller is its goroutine under mu), keeping the
// count (invariant 7: this never moves a word into idle from another state)
// and the awaited flag (invariant 8); it drops the watched flag (see
// "Writes" in the protocol).
func setState(w *atomic.Uint32, st uint32) {
	for {
		old := w.Load()
		if w.CompareAndSwap(old, old&(countMask|stateAwaited)|st) {
			return
		}
	}
}

// nextCount returns the count bits after count and one more idle entry: the
// count wraps within its bits.
func nextCount(count uint32) uint32 {
	return (count + idleOne) & countMask
}

// idleSince reports whether a member whose word read count at the snapshot,
// in a state that was not idle, has been idle since, now that it reads word
// (point 1 above).
func idleSince(word, count uint32) bool {
	return word&stateMask == stateIdle || word&countMask != count
}

// stateOf converts a slot's state word.
func stateOf(word uint32) State {
	switch word & stateMask {
	case stateIdle:
		return StateIdle
	case stateHarmless:
		return StateHarmless
	}
	return StateRunning
}
