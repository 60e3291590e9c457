package main

import "testing"

func TestTableGenerations(t *testing.T) {
	tb := newTable()
	if _, ok := tb.read(job{seed: 12345}, 64); !ok {
		t.Fatal("a new table reads torn")
	}
	c := tb.clone()
	tb.mutate()
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
		if _, ok := tb.read(job{seed: seed}, 64); !ok {
			torn = true
		}
	}
	if !torn {
		t.Fatal("reads missed a record of another generation")
	}
}
