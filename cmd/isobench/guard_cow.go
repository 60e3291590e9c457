package main

import "sync/atomic"

// cowGuard: the table is immutable once published; members load the current
// pointer per job, the admin copies the table to change it and publishes the
// copy. Readers never wait, at the price of a full copy per change (and of
// old copies for the garbage collector).
type cowGuard struct {
	cur atomic.Pointer[table]
}

func newCOWGuard(t *table, _ int) guard {
	g := new(cowGuard)
	g.cur.Store(t)
	return g
}

func (g *cowGuard) join() member { return cowMember{g} }

func (g *cowGuard) admin(write bool, op func(*table)) {
	if !write {
		op(g.cur.Load())
		return
	}
	t := g.cur.Load().clone()
	op(t)
	g.cur.Store(t)
}

type cowMember struct{ g *cowGuard }

func (cowMember) next(jobs <-chan job) (job, bool) {
	j, ok := <-jobs
	return j, ok
}

func (m cowMember) do(j job, k int) (uint64, bool) { return m.g.cur.Load().read(j, k) }
func (cowMember) leave()                           {}
