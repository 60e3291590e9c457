package isolate

import "runtime"

// A forgotten Leave is named, not silent. A member dropped without Leave may
// still have a goroutine running without its handle, so its slot is never
// freed (that would silently break mutual exclusion); instead a cleanup marks
// it leaked, and Blockers, Stats and stall reports say so. The cleanup holds
// the slot, never the Member, so that the Member can become unreachable.

// watchLeak arranges for the slot of m to be marked leaked if m becomes
// unreachable without Leave.
func watchLeak(m *Member) runtime.Cleanup {
	return runtime.AddCleanup(m, markLeaked, m.slot)
}

func markLeaked(s *slot) {
	s.leaked.Store(true)
}
