package main

import "github.com/puzpuzpuz/xsync/v4"

// rbmutexGuard: xsync's reader-biased RBMutex, read-locked around each job.
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

func (rbmutexMember) next(jobs <-chan job) (job, bool) {
	j, ok := <-jobs
	return j, ok
}

func (m rbmutexMember) do(j job, k int) (uint64, bool) {
	tok := m.g.mu.RLock()
	defer m.g.mu.RUnlock(tok)
	return m.g.t.read(j, k)
}

func (rbmutexMember) leave() {}
