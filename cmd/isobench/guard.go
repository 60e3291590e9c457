package main

// A guard is one way to let members read the table while an admin goroutine
// changes it: the implementations that isobench compares.
type guard interface {
	// join makes the calling goroutine a member; at most the number of
	// members given to the guard's constructor join.
	join() member
	// admin runs op on the table with no member reading it (or on a
	// private copy that it then publishes, for copy-on-write). write
	// tells whether op changes the table.
	admin(write bool, op func(*table))
}

// A member is one member goroutine's handle on a guard.
type member interface {
	// next waits for the next job, the way this guard's members wait
	// for work, and reports false when jobs is closed.
	next(jobs <-chan job) (job, bool)
	// do runs job j, k reads of the table, with whatever read access
	// the guard needs, and returns what table.read returns.
	do(j job, k int) (sum uint64, ok bool)
	// leave ends the membership.
	leave()
}

// An implementation is a kind of guard.
type implementation struct {
	name string
	// doc says what the implementation does.
	doc string
	new func(t *table, members int) guard
}

// guards lists the implementations, isolate first: it is what the others
// are compared with.
var guards = []implementation{
	{"isolate", "members wait for work in a harmless scope; the admin isolates itself", newIsolateGuard},
	{"rwmutex", "sync.RWMutex: RLock around each job, Lock for the admin", newRWMutexGuard},
	{"rbmutex", "xsync.RBMutex (BRAVO): RLock around each job, Lock for the admin", newRBMutexGuard},
	{"cow", "atomic.Pointer copy-on-write: one load per job, a full copy per change", newCOWGuard},
	{"seedref", "HAProxy's shared-mask rendez-vous (internal/seedref): spinning waiters", newSeedrefGuard},
	{"syncpoint", "the old sync point: the admin wakes every member and waits for all", newSyncPointGuard},
}

func guardNames() []string {
	var names []string
	for _, g := range guards {
		names = append(names, g.name)
	}
	return names
}

// newGuard makes the guard named name.
func newGuard(name string, t *table, members int) guard {
	for _, g := range guards {
		if g.name == name {
			return g.new(t, members)
		}
	}
	panic("isobench: unknown implementation " + name)
}
