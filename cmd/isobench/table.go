package main

// The shared structure of every workload: a table of records that members
// read and the admin changes or dumps. Every record carries the generation
// of the last change, so that a reader that saw a change half done (a
// failure of the implementation under test) finds records of two
// generations.

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

// A batch is what a member handles between two waits: events events, each
// a few reads of the table at records that follow from seed.
type batch struct {
	seed   uint32
	events int
}

// read does the reads of batch b, reads per event. It returns the table's
// generation, the sum of the values read, and false if a record was not of
// that generation.
func (t *table) read(b batch, reads int) (gen, sum uint64, ok bool) {
	gen = t.gen
	ok = true
	idx := b.seed
	for range b.events * reads {
		r := &t.recs[idx%tableSize]
		sum += r.value
		ok = ok && r.gen == gen
		idx += 0x9e3779b9 // a step that visits records all over the table
	}
	return gen, sum, ok
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

// touch is a short write: it counts one more use of the record at idx,
// in the current generation.
func (t *table) touch(idx uint32) {
	t.recs[idx%tableSize].value++
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
