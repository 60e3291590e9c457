package main

import "sync"

// rwmutexGuard: sync.RWMutex, read-locked around each batch, as a careful
// user does: never across a wait.
type rwmutexGuard struct {
	mu sync.RWMutex
	t  *table
}

func newRWMutexGuard(t *table, _ int) guard { return &rwmutexGuard{t: t} }

func (g *rwmutexGuard) join() member { return rwmutexMember{g} }

func (g *rwmutexGuard) admin(_ bool, op func(*table)) {
	g.mu.Lock()
	op(g.t)
	g.mu.Unlock()
}

type rwmutexMember struct{ g *rwmutexGuard }

func (rwmutexMember) wait(s *source) (batch, bool) { return s.next() }

func (m rwmutexMember) process(b batch, k int) (uint64, uint64, bool) {
	m.g.mu.RLock()
	gen, sum, ok := m.g.t.read(b, k)
	m.g.mu.RUnlock()
	return gen, sum, ok
}

// exclusive is called outside the read lock: a member that wants to write
// unlocks first (RWMutex has no upgrade), then re-validates under Lock.
func (m rwmutexMember) exclusive(write bool, op func(*table)) { m.g.admin(write, op) }

func (rwmutexMember) leave() {}
