package main

import (
	"fmt"
	"math/bits"
)

// A record is one slot of the table: 64 bytes, one cache line, with no
// pointers (the collector marks a version's buffer but never scans it).
// A record written by the version numbered stamp holds a value derived
// from its key and stamp, and a checksum over all of it, so that a reader
// can tell a torn record, or one from a version it did not load.
type record struct {
	key   uint64    // 0 in an empty slot
	stamp uint64    // the version that last wrote the record
	val   [5]uint64 // the value: makeRecord derives it from key and stamp
	sum   uint64    // sumSeed ^ key ^ stamp ^ val[0] ^ ... ^ val[4]
}

const (
	recordSize = 64
	sumSeed    = 0x5eed_5eed_5eed_5eed
)

// makeRecord returns the record that the version numbered stamp writes for
// key.
func makeRecord(key, stamp uint64) record {
	r := record{key: key, stamp: stamp}
	for i := range r.val {
		r.val[i] = mix64(key ^ stamp<<20 ^ uint64(i+1)<<56)
	}
	r.sum = r.checksum()
	return r
}

func (r *record) checksum() uint64 {
	s := sumSeed ^ r.key ^ r.stamp
	for _, v := range r.val {
		s ^= v
	}
	return s
}

// A version is the table at one moment: a fixed-capacity open-addressing
// hash map from uint64 keys to records, with linear probing, in one
// buffer of len(recs)*64 bytes (the version header is a second, small
// allocation). The key set is fixed when the table is built; writes
// replace values. Once a version is published behind an atomic.Pointer it
// is never written again until it is recycled, after a grace period.
type version struct {
	stamp uint64 // the write that made this version; 0 for the first
	shift uint   // 64 - log2(len(recs))
	recs  []record
}

// newVersion returns an empty version of slots slots, a power of two.
func newVersion(slots int) *version {
	if slots < 2 || slots&(slots-1) != 0 {
		panic(fmt.Sprintf("gracetable: %d slots, want a power of two", slots))
	}
	return &version{shift: uint(64 - bits.TrailingZeros(uint(slots))), recs: make([]record, slots)}
}

// buildTable returns the first version: keys keys (keyOf(0) to
// keyOf(keys-1)) in slots slots, all written by stamp 0.
func buildTable(keys, slots int) *version {
	if keys >= slots {
		panic(fmt.Sprintf("gracetable: %d keys in %d slots: the table needs an empty slot", keys, slots))
	}
	v := newVersion(slots)
	for i := range keys {
		v.set(keyOf(i), 0)
	}
	return v
}

// keyOf returns the i'th key of the table: distinct and never 0 (mix64 is
// a bijection that maps only 0 to 0).
func keyOf(i int) uint64 { return mix64(uint64(i) + 1) }

// mix64 is SplitMix64's finalizer: a bijection that scatters bits.
func mix64(x uint64) uint64 {
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// home returns the slot where the probe for key starts.
func (v *version) home(key uint64) uint64 {
	return (key * 0x9e3779b97f4a7c15) >> v.shift
}

// get returns the record of key; false if key is not in the table.
func (v *version) get(key uint64) (record, bool) {
	mask := uint64(len(v.recs) - 1)
	for i := v.home(key); ; i = (i + 1) & mask {
		r := &v.recs[i]
		if r.key == key {
			return *r, true
		}
		if r.key == 0 {
			return record{}, false
		}
	}
}

// set writes the record that the version numbered stamp has for key,
// taking an empty slot if key is not in the table yet. Only writers call
// it, on a version that no reader can see (copy-on-write, RCU), or under
// the write lock (RWMutex).
func (v *version) set(key, stamp uint64) {
	mask := uint64(len(v.recs) - 1)
	for i := v.home(key); ; i = (i + 1) & mask {
		if r := &v.recs[i]; r.key == key || r.key == 0 {
			*r = makeRecord(key, stamp)
			return
		}
	}
}

// next makes v the version after src, in which key has a new value: v's
// buffer, recycled or new, is overwritten with src's records, then the one
// update is made. This copy of the whole table is what every write costs
// in copy-on-write schemes.
func (v *version) next(src *version, key uint64) {
	if len(v.recs) != len(src.recs) {
		panic("gracetable: versions of different sizes")
	}
	copy(v.recs, src.recs)
	v.shift = src.shift
	v.stamp = src.stamp + 1
	v.set(key, v.stamp)
}
