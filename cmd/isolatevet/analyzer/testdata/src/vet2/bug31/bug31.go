// Package bug31 waits on a condition variable while the member runs.
package bug31

import (
	"sync"

	"github.com/isolatekit/isolate"
)

type Batcher struct {
	iso   isolate.Isolator
	mu    sync.Mutex
	cond  sync.Cond
	ready []int
	table map[int]int
}

func (b *Batcher) Next(m isolate.Member) []int {
	h := m.Harmless()
	b.mu.Lock()
	h.End()
	for len(b.ready) == 0 {
		b.cond.Wait() // want `b\.cond\.Wait blocks while m runs`
	}
	batch := b.ready
	b.ready = nil
	b.mu.Unlock()
	for i, v := range batch {
		batch[i] = b.table[v]
	}
	return batch
}
