// Package bug10 rebuilds an index; the rebuild asks for a full isolation
// from inside a harmless scope.
package bug10

import (
	"sort"

	"github.com/isolatekit/isolate"
)

type Index struct {
	iso  isolate.Isolator
	keys []string
	pos  map[string]int
}

func (ix *Index) Rebuild(m isolate.Member, load func() []string) {
	defer m.Harmless().End()
	keys := load()
	sort.Strings(keys)
	pos := make(map[string]int, len(keys))
	for i, k := range keys {
		pos[k] = i
	}
	release := m.IsolateFull() // want `m\.IsolateFull\(\) inside a Harmless scope panics \(a harmless member may hold references\)`
	ix.keys, ix.pos = keys, pos
	release()
}

func (ix *Index) Find(m isolate.Member, k string) (int, bool) {
	i, ok := ix.pos[k]
	return i, ok
}
