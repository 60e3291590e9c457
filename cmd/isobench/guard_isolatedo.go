package main

// isolateDoGuard: isolate, with a member's writes as combined sections:
// m.Do(f) runs f isolated, together with the other members' concurrent
// sections in one isolation (flat combining), where m.Isolate() pays one
// rendez-vous per write. Members wait and read as isolate's do; the admin's
// operations, which walk the whole table, still isolate.
type isolateDoGuard struct{ *isolateGuard }

func newIsolateDoGuard(t *table, n int) guard {
	return isolateDoGuard{newIsolateGuard(t, n).(*isolateGuard)}
}

func (g isolateDoGuard) join() member {
	m := &isolateDoMember{isolateMember: g.isolateGuard.join().(*isolateMember)}
	// One func value per member, made once: a closure per write would
	// cost an allocation that the other implementations do not pay.
	m.section = func() { m.op(m.t) }
	return m
}

type isolateDoMember struct {
	*isolateMember
	// op is the section's operation: set before each Do, read by section
	// on whichever goroutine runs it (Do orders the two).
	op      func(*table)
	section func()
}

func (m *isolateDoMember) exclusive(_ bool, op func(*table)) {
	m.op = op
	m.m.Do(m.section)
}
