// Package ok35 rebuilds a lookup table in the background and swaps it in
// RCU-style from an idle member, recycling old tables with Defer.
package ok35

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/isolatekit/isolate"
)

type table struct {
	keys []string
}

type Index struct {
	iso  isolate.Isolator
	cur  atomic.Pointer[table]
	pool sync.Pool
}

func (ix *Index) get() *table {
	if t, ok := ix.pool.Get().(*table); ok {
		return t
	}
	return &table{}
}

func (ix *Index) Has(m isolate.Member, k string) bool {
	t := ix.cur.Load()
	i := sort.SearchStrings(t.keys, k)
	return i < len(t.keys) && t.keys[i] == k
}

func (ix *Index) Rebuild(m isolate.Member, keys []string) {
	next := ix.get()
	next.keys = append(next.keys[:0], keys...)
	sort.Strings(next.keys)
	old := ix.cur.Swap(next)
	if old == nil {
		return
	}
	ix.iso.Defer(func() { ix.pool.Put(old) })
}

func (ix *Index) RebuildNow(m isolate.Member, keys []string) {
	next := &table{keys: append([]string(nil), keys...)}
	sort.Strings(next.keys)
	old := ix.cur.Swap(next)
	defer m.Idle().End()
	ix.iso.Synchronize()
	ix.pool.Put(old)
}
