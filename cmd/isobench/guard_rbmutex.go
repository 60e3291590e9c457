package main

import "github.com/puzpuzpuz/xsync/v4"

// rbmutexGuard: xsync's reader-biased RBMutex, read-locked around each
// batch.
type rbmutexGuard struct {
	mu *xsync.RBMutex
	t  *table
}

func newRBMutexGuard(t *table, _ int) guard {
	return &rbmutexGuard{mu: xsync.NewRBMutex(), t: t}
}

func (g *rbmutexGuard) join() member { return rbmutexMember{g} }

func (g *rbmutexGuard) admin(_ bool, op func(*table)) {
	g.mu.Lock()
	op(g.t)
	g.mu.Unlock()
}

type rbmutexMember struct{ g *rbmutexGuard }

func (rbmutexMember) wait(s *source) (batch, bool) { return s.next() }

func (m rbmutexMember) process(b batch, k int) (uint64, uint64, bool) {
	tok := m.g.mu.RLock()
	gen, sum, ok := m.g.t.read(b, k)
	m.g.mu.RUnlock(tok)
	return gen, sum, ok
}

// exclusive: as with RWMutex, the member has released its read lock.
func (m rbmutexMember) exclusive(write bool, op func(*table)) { m.g.admin(write, op) }

func (rbmutexMember) leave() {}
