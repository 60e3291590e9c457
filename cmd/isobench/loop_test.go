package main

import (
	"sync/atomic"
	"testing"
)

// An upgrade changes the table only if it is still at the generation the
// member read: another writer may have come first.
func TestUpgradeRevalidates(t *testing.T) {
	tb := newTable()
	u := &upgrade{seen: 0}
	u.change(tb)
	if tb.gen != 1 {
		t.Fatalf("generation %d after an upgrade of a current table, want 1", tb.gen)
	}
	u.change(tb) // saw generation 0, the table is at 1
	if tb.gen != 1 {
		t.Fatalf("generation %d after an upgrade of a stale view, want 1", tb.gen)
	}
}

// A loop counts every event it processes, upgrades every upgradeEvery
// batches, and counts torn batches.
func TestLoopCounts(t *testing.T) {
	var torn atomic.Uint64
	ch := make(chan batch, 10)
	for range 10 {
		ch <- batch{seed: 1, events: 3}
	}
	close(ch)
	m := &recorder{brokenMember: brokenMember{newTable()}}
	var c counter
	loop(m, &source{ch: ch}, loopOptions{reads: 2, publishEvery: 4, upgradeEvery: 5}, &c, &torn)
	if got := c.n.Load(); got != 30 {
		t.Errorf("counted %d events, want 30", got)
	}
	if len(m.writes) != 2 || m.t.gen != 2 {
		t.Errorf("%d upgrades to generation %d, want 2 to 2", len(m.writes), m.t.gen)
	}
	if torn.Load() != 0 {
		t.Errorf("torn = %d", torn.Load())
	}
}
