package main

import "sync"

// mutexGuard: sync.Mutex, locked around each batch, each write and the
// admin's operation: what a user who does not split reads from writes
// writes.
type mutexGuard struct {
	mu sync.Mutex
	t  *table
}

func newMutexGuard(t *table, _ int) guard { return &mutexGuard{t: t} }

func (g *mutexGuard) join() member { return mutexMember{g} }

func (g *mutexGuard) admin(_ bool, op func(*table)) {
	g.mu.Lock()
	op(g.t)
	g.mu.Unlock()
}

type mutexMember struct{ g *mutexGuard }

func (mutexMember) wait(s *source) (batch, bool) { return s.next() }

func (m mutexMember) process(b batch, k int) (uint64, uint64, bool) {
	m.g.mu.Lock()
	gen, sum, ok := m.g.t.read(b, k)
	m.g.mu.Unlock()
	return gen, sum, ok
}

func (m mutexMember) exclusive(write bool, op func(*table)) { m.g.admin(write, op) }

func (mutexMember) leave() {}
