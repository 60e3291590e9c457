package main

import (
	"github.com/isolatekit/isolate/internal/seedref"
)

// seedrefGuard: HAProxy's shared-mask rendez-vous, as the isolate package's
// reference implementation has it. Members wait in a harmless scope; every
// waiter spins with runtime.Gosched. HAProxy numbers its threads once; here
// a joining goroutine takes a free thread id from a pool and gives it back
// when it leaves, so that a goroutine per request can use it too.
type seedrefGuard struct {
	r       *seedref.Rendezvous
	t       *table
	free    chan int // thread ids not in use by a member
	adminID int      // the outsider admin's thread id
}

func newSeedrefGuard(t *table, members int) guard {
	g := &seedrefGuard{r: seedref.New(members + 1), t: t, free: make(chan int, members), adminID: members}
	for id := range members {
		g.free <- id
	}
	return g
}

func (g *seedrefGuard) join() member {
	id := <-g.free
	g.r.HarmlessEnd(id) // ids start harmless; running waits out an isolation
	return &seedrefMember{g: g, id: id}
}

func (g *seedrefGuard) admin(_ bool, op func(*table)) {
	g.r.Isolate(g.adminID)
	op(g.t)
	g.r.ReleaseHarmless(g.adminID)
}

type seedrefMember struct {
	g  *seedrefGuard
	id int
}

func (m *seedrefMember) wait(s *source) (batch, bool) {
	m.g.r.HarmlessNow(m.id)
	b, ok := s.next()
	m.g.r.HarmlessEnd(m.id)
	return b, ok
}

func (m *seedrefMember) process(b batch, k int) (uint64, uint64, bool) { return m.g.t.read(b, k) }

func (m *seedrefMember) exclusive(_ bool, op func(*table)) {
	m.g.r.Isolate(m.id)
	op(m.g.t)
	m.g.r.Release(m.id)
}

func (m *seedrefMember) leave() {
	m.g.r.HarmlessNow(m.id)
	m.g.free <- m.id
}
