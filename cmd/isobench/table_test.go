package main

import "testing"

func TestTableGenerations(t *testing.T) {
	tb := newTable()
	b := batch{seed: 12345, events: 4}
	if _, _, ok := tb.read(b, 16); !ok {
		t.Fatal("a new table reads torn")
	}
	c := tb.clone()
	tb.mutate()
	if gen, _, ok := tb.read(b, 16); !ok || gen != 1 {
		t.Fatalf("a mutated table reads torn or at generation %d", gen)
	}
	if _, ok := tb.dump(); !ok {
		t.Fatal("a mutated table dumps torn")
	}
	if c.gen == tb.gen || c.recs[1].value == tb.recs[1].value {
		t.Fatal("the clone shares the table's records")
	}
	// Half a change is what a broken guard lets a reader see.
	tb.recs[len(tb.recs)/2].gen++
	if _, ok := tb.dump(); ok {
		t.Fatal("dump missed a record of another generation")
	}
	torn := false
	for seed := range uint32(64) {
		if _, _, ok := tb.read(batch{seed: seed, events: 2}, 32); !ok {
			torn = true
		}
	}
	if !torn {
		t.Fatal("reads missed a record of another generation")
	}
}

// A batch reads events × reads records: its sum grows with either.
func TestReadCountsEventsAndReads(t *testing.T) {
	tb := newTable()
	for i := range tb.recs {
		tb.recs[i].value = 1
	}
	for _, c := range []struct{ events, reads int }{{1, 1}, {1, 4}, {16, 4}, {3, 0}} {
		if _, sum, _ := tb.read(batch{seed: 7, events: c.events}, c.reads); sum != uint64(c.events*c.reads) {
			t.Errorf("%d events × %d reads summed %d", c.events, c.reads, sum)
		}
	}
}
