package isolate

import "runtime"

// A forgotten Leave is named, not silent. A member dropped without Leave may
// still have a goroutine running without its handle, so its slot is never
// freed (that would silently break mutual exclusion); instead a cleanup marks
// it leaked, and Blockers, Stats and stall reports say so.
//
// The cleanup is registered once per member state (see member.go), not per
// Join: while a member is joined, only its handle keeps the state reachable
// (the slot lets go of it), so the state becomes unreachable exactly when
// the handle is dropped without Leave. The cleanup holds the slot, never the
// state. A leaked member's slot is never reused, and its group never
// retired: a leak costs one slot and, if the member was running, every later
// isolation.

// watchLeak arranges for the slot of s to be marked leaked if s becomes
// unreachable.
func watchLeak(s *member) runtime.Cleanup {
	return runtime.AddCleanup(s, markLeaked, s.slot)
}

func markLeaked(s *slot) {
	s.leaked.Store(true)
}
