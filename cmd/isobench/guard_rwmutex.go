package main

import "sync"

// rwmutexGuard: sync.RWMutex, read-locked around each job.
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

func (rwmutexMember) next(jobs <-chan job) (job, bool) {
	j, ok := <-jobs
	return j, ok
}

func (m rwmutexMember) do(j job, k int) (uint64, bool) {
	m.g.mu.RLock()
	defer m.g.mu.RUnlock()
	return m.g.t.read(j, k)
}

func (rwmutexMember) leave() {}
