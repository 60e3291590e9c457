package main

// The shared structure of the workload: a table of records that members read
// and the admin changes or dumps. Every record carries the generation of the
// last change, so that a reader that saw a change half done (a failure of
// the implementation under test) finds records of two generations.

// tableSize is the number of records; a power of two.
const tableSize = 1024

type record struct {
	gen   uint64
	value uint64
}

type table struct {
	gen  uint64
	recs []record
}

func newTable() *table {
	return &table{recs: make([]record, tableSize)}
}

// A job is one unit of a member's work: reads of the table from seed on.
type job struct{ seed uint32 }

// read does the k reads of job j. It returns the sum of the values read,
// and false if the records were not all of the table's generation.
func (t *table) read(j job, k int) (sum uint64, ok bool) {
	g := t.gen
	ok = true
	idx := j.seed
	for range k {
		r := &t.recs[idx%tableSize]
		sum += r.value
		ok = ok && r.gen == g
		idx += 0x9e3779b9 // a step that visits records all over the table
	}
	return sum, ok
}

// mutate changes every record, in a new generation.
func (t *table) mutate() {
	g := t.gen + 1
	for i := range t.recs {
		t.recs[i].gen = g
		t.recs[i].value += uint64(i)
	}
	t.gen = g
}

// dump reads every record, as "show fd" would, and reports whether they
// were all of the table's generation.
func (t *table) dump() (sum uint64, ok bool) {
	ok = true
	for i := range t.recs {
		sum += t.recs[i].value
		ok = ok && t.recs[i].gen == t.gen
	}
	return sum, ok
}

// clone returns a copy of t that shares nothing with it.
func (t *table) clone() *table {
	c := &table{gen: t.gen, recs: make([]record, len(t.recs))}
	copy(c.recs, t.recs)
	return c
}
