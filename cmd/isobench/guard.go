package main

import (
	"slices"
	"sync/atomic"
)

// A guard is one way to let members read the table while an admin changes
// it: the implementations that isobench compares.
type guard interface {
	// join makes the calling goroutine a member; at most the number of
	// members given to the guard's constructor are joined at once.
	join() member
	// admin runs op on the table from a goroutine that is not a member,
	// with no member reading it (or on a private copy that it then
	// publishes, for copy-on-write). write tells whether op changes the
	// table.
	admin(write bool, op func(*table))
}

// A member is one member goroutine's handle on a guard.
type member interface {
	// wait waits for the next batch from s, the way this guard's members
	// wait (in a harmless scope, outside any read lock), and reports
	// false at the end of the run.
	wait(s *source) (batch, bool)
	// process does the reads of batch b, reads per event, with whatever
	// read access the guard needs, and returns what table.read returns.
	process(b batch, reads int) (gen, sum uint64, ok bool)
	// exclusive runs op with no other member reading the table, as admin
	// does, but from the member: an admin running in a member's loop,
	// or a member that needs to change the table itself.
	exclusive(write bool, op func(*table))
	// leave ends the membership.
	leave()
}

// An implementation is a kind of guard.
type implementation struct {
	name string
	// doc says what the implementation does.
	doc string
	new func(t *table, members int) guard
	// cannot maps the workloads the implementation cannot run to why.
	cannot map[string]string
	// extra marks an implementation that runs only in the workloads that
	// name it (workload.impls): a peer for one question, not for all.
	extra bool
}

// guards lists the implementations, isolate first: it is what the others
// are compared with.
var guards = []implementation{
	{name: "isolate", new: newIsolateGuard,
		doc: "this module: members wait in a harmless scope; the admin isolates itself"},
	{name: "isolate-do", new: newIsolateDoGuard, extra: true,
		doc: "isolate, with a member's writes as combined sections (m.Do) instead of isolations"},
	{name: "rwmutex", new: newRWMutexGuard,
		doc: "sync.RWMutex: RLock around each batch, Lock for the admin"},
	{name: "rbmutex", new: newRBMutexGuard,
		doc: "xsync.RBMutex (BRAVO, per-slot readers): RLock around each batch, Lock for the admin"},
	{name: "cow", new: newCOWGuard,
		doc: "atomic.Pointer copy-on-write: one load per batch, a full copy per change"},
	{name: "seedref", new: newSeedrefGuard,
		doc: "HAProxy's 2018 shared-mask rendez-vous, fixed (internal/seedref): spinning waiters"},
	{name: "syncpoint", new: newSyncPointGuard,
		doc: "the sync point the seed replaced: the admin wakes every member and waits for all",
		cannot: map[string]string{
			"upgrade": "two members running the sync point at once would each wait for the other's answer",
		}},
	{name: "mutex", new: newMutexGuard, extra: true,
		doc: "sync.Mutex: Lock around each batch and each write, and for the admin"},
}

func (g implementation) id() string { return g.name }

// runs reports whether the implementation runs workload w.
func (g implementation) runs(w workload) bool {
	if w.impls != nil {
		return slices.Contains(w.impls, g.name)
	}
	_, no := g.cannot[w.name]
	return !no && !g.extra
}

func guardNames() []string { return names(guards) }

// implementationNamed returns the implementation called name.
func implementationNamed(name string) implementation { return named(guards, name) }

// adminOps returns the admin's two operations on the table: a change, and
// a dump that counts in torn a table it saw changing under it.
func adminOps(torn *atomic.Uint64) (change, dump func(*table)) {
	change = func(t *table) { t.mutate() }
	dump = func(t *table) {
		if _, ok := t.dump(); !ok {
			torn.Add(1)
		}
	}
	return change, dump
}
