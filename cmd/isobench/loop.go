package main

import (
	"runtime"
	"sync/atomic"
)

// loopOptions configure a long-lived member's loop.
type loopOptions struct {
	reads int
	// publishEvery is how many batches go by between two publications of
	// the member's count.
	publishEvery int
	// duty, if not nil, is the admin's work, done between batches.
	duty *duty
	// upgradeEvery, if not zero (a countdown from zero never comes back
	// to zero), makes every upgradeEvery-th batch end in
	// an exclusive section that changes the table if it is still at the
	// generation the batch read: the member re-validates what it read,
	// as after any upgrade that may let another writer in first.
	upgradeEvery int
	// write makes every batch end with a short write, one record
	// touched, in an exclusive section of its own.
	write bool
}

// loop is a long-lived member's life: wait for a batch, process it, until
// the source ends. Counts are kept with countdowns: a division per batch
// would cost as much as the cheapest batches.
func loop(m member, s *source, o loopOptions, count *counter, torn *atomic.Uint64) {
	var sink, done uint64
	up, wr := &upgrade{}, &writer{}
	// One func value each for the whole loop: no allocation per upgrade
	// or write.
	change, touch := up.change, wr.touch
	untilPublish, untilUpgrade := o.publishEvery, o.upgradeEvery
	for {
		b, ok := m.wait(s)
		if !ok {
			break
		}
		gen, sum, ok := m.process(b, o.reads)
		if !ok {
			torn.Add(1)
		}
		sink += sum
		done += uint64(b.events)
		if untilPublish--; untilPublish == 0 {
			untilPublish = o.publishEvery
			count.n.Store(done)
		}
		if untilUpgrade--; untilUpgrade == 0 {
			untilUpgrade = o.upgradeEvery
			up.seen = gen
			m.exclusive(true, change)
		}
		if o.write {
			wr.at = b.seed
			m.exclusive(true, touch)
		}
		if o.duty != nil {
			o.duty.due(m)
		}
	}
	count.n.Store(done)
	runtime.KeepAlive(sink)
}

// upgrade is a member's change to the table, made only if the table is
// still at the generation seen.
type upgrade struct {
	seen uint64
}

func (u *upgrade) change(t *table) {
	if t.gen == u.seen {
		t.mutate()
	}
}

// writer is a member's short write: one record, at.
type writer struct {
	at uint32
}

func (w *writer) touch(t *table) { t.touch(w.at) }
