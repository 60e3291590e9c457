package isolate

import (
	"runtime"
	"sync/atomic"
)

// A forgotten Leave is named, not silent. A member dropped without Leave may
// still have a goroutine running without its handle, so its slot is never
// freed (that would silently break mutual exclusion); instead a cleanup marks
// it leaked, and Blockers, Stats and stall reports say so.
//
// The cleanup is registered once per member record (see member.go), not per
// Join: while a member is joined, only its handles keep the record reachable
// (the slot lets go of it), so the record becomes unreachable when the
// handles are dropped without Leave. The cleanup's argument is the slot's
// leaked flag, which sits in memory without pointers: an argument that
// reached the record (the slot does, between members) would keep it, and its
// whole Isolator, alive for ever. A leaked member's slot is never reused, and
// its group never retired: a leak costs one slot and, if the member was
// running, every later isolation.
//
// One limit: a handle, release func, Scope or end func of an earlier
// membership that the program keeps (all stale by then) keeps the record
// reachable, and with it a later member of the same record that is dropped
// without Leave: that leak goes unreported.

// watchLeak arranges for the slot of s to be marked leaked if s becomes
// unreachable.
func watchLeak(mb *member) runtime.Cleanup {
	return runtime.AddCleanup(mb, markLeaked, mb.slot.leaked)
}

func markLeaked(leaked *atomic.Bool) {
	leaked.Store(true)
}
