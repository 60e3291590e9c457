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
	m := &recorder{brokenMember: brokenMember{newTable()}}
	for range 3 {
		d.due(m)
	}
	time.Sleep(2 * time.Millisecond)
	d.due(m) // the 4th batch: the interval has passed
	if len(m.writes) != 1 || !m.writes[0] || m.t.gen != 1 {
		t.Fatalf("after the first interval: writes %v, generation %d", m.writes, m.t.gen)
	}
	for range 4 {
		d.due(m) // no interval has passed since
	}
	if len(m.writes) != 1 {
		t.Fatalf("an operation before its interval: %v", m.writes)
	}
	time.Sleep(2 * time.Millisecond)
	for range 4 {
		d.due(m)
	}
	if len(m.writes) != 2 || m.writes[1] || m.t.gen != 1 || len(d.ops) != 2 {
		t.Fatalf("want a dump second: writes %v, generation %d, %d ops", m.writes, m.t.gen, len(d.ops))
	}
	// A dump that finds the table torn counts it.
	time.Sleep(2 * time.Millisecond)
	for range 4 {
		d.due(m)
	}
	if len(m.writes) != 3 || !m.writes[2] {
		t.Fatalf("want a change third: writes %v", m.writes)
	}
	m.t.recs[3].gen++ // half a change
	time.Sleep(2 * time.Millisecond)
	for range 4 {
		d.due(m)
	}
	if len(m.writes) != 4 || m.writes[3] || torn.Load() != 1 {
		t.Errorf("writes %v, torn = %d after dumping a torn table, want a dump and 1", m.writes, torn.Load())
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
