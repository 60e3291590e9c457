package main

import "sync/atomic"

// cowGuard: the table is immutable once published; members load the current
// pointer per batch, a writer copies the table, changes the copy and
// publishes it. Readers never wait, at the price of a full copy per change
// (and of old copies for the garbage collector).
type cowGuard struct {
	cur atomic.Pointer[table]
}

func newCOWGuard(t *table, _ int) guard {
	g := new(cowGuard)
	g.cur.Store(t)
	return g
}

func (g *cowGuard) join() member { return cowMember{g} }

// admin publishes a changed copy with a compare-and-swap, and starts again
// from the newer table if another writer published first, so that no
// change is lost when members write too.
func (g *cowGuard) admin(write bool, op func(*table)) {
	if !write {
		op(g.cur.Load())
		return
	}
	for {
		old := g.cur.Load()
		t := old.clone()
		op(t)
		if g.cur.CompareAndSwap(old, t) {
			return
		}
	}
}

type cowMember struct{ g *cowGuard }

func (cowMember) wait(s *source) (batch, bool) { return s.next() }

func (m cowMember) process(b batch, k int) (uint64, uint64, bool) { return m.g.cur.Load().read(b, k) }

func (m cowMember) exclusive(write bool, op func(*table)) { m.g.admin(write, op) }

func (cowMember) leave() {}
