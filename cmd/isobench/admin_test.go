package main

import (
	"sync/atomic"
	"testing"
	"time"
)

// recorder is a member that records the exclusive sections it is asked
// for, and runs them on its table.
type recorder struct {
	brokenMember
	writes []bool
}

func (r *recorder) exclusive(write bool, op func(*table)) {
	r.writes = append(r.writes, write)
	op(r.t)
}

// A duty looks at the clock every check batches, and runs an operation,
// changes and dumps in turn, once its interval has passed.
func TestDuty(t *testing.T) {
	var torn atomic.Uint64
	d := newDuty(time.Millisecond, 4, &torn)
	clock := d.next.Add(-time.Microsecond) // just before the first interval ends
	d.now = func() time.Time { return clock }
	m := &recorder{brokenMember: brokenMember{newTable()}}
	batches := func(n int) {
		for range n {
			d.due(m)
		}
	}
	batches(4)
	if len(m.writes) != 0 {
		t.Fatalf("an operation before the interval ended: %v", m.writes)
	}
	clock = clock.Add(time.Microsecond)
	batches(3)
	if len(m.writes) != 0 {
		t.Fatalf("an operation between two looks at the clock: %v", m.writes)
	}
	batches(1) // the 4th batch since the last look
	if len(m.writes) != 1 || !m.writes[0] || m.t.gen != 1 {
		t.Fatalf("after the first interval: writes %v, generation %d", m.writes, m.t.gen)
	}
	clock = clock.Add(time.Millisecond - time.Nanosecond)
	batches(4)
	if len(m.writes) != 1 {
		t.Fatalf("an operation before its interval: %v", m.writes)
	}
	clock = clock.Add(time.Nanosecond)
	m.t.recs[3].gen++ // half a change, for the dump to find
	batches(4)
	if len(m.writes) != 2 || m.writes[1] || len(d.ops) != 2 || torn.Load() != 1 {
		t.Fatalf("want a dump second, finding the table torn: writes %v, %d ops, torn = %d", m.writes, len(d.ops), torn.Load())
	}
	// Late ticks are dropped: the next interval counts from the operation.
	clock = clock.Add(10 * time.Millisecond)
	batches(8)
	if len(m.writes) != 3 {
		t.Errorf("after 10 intervals with no look at the clock: %d operations, want 3", len(m.writes))
	}
}

func TestWithin(t *testing.T) {
	t0 := time.Now()
	ops := []timed{{t0, 1}, {t0.Add(time.Second), 2}, {t0.Add(2 * time.Second), 3}}
	got := within(ops, t0.Add(time.Second), t0.Add(2*time.Second))
	if len(got) != 1 || got[0] != 2 {
		t.Errorf("within = %v, want [2]", got)
	}
}
