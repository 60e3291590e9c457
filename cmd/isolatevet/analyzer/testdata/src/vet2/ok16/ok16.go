// Package ok16 waits on a condition variable idle and takes a read lock in
// a harmless scope; everything else it does while running never blocks.
package ok16

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate"
)

type Queue struct {
	mu    sync.Mutex
	cond  *sync.Cond
	items []int
}

func NewQueue() *Queue {
	q := &Queue{}
	q.cond = sync.NewCond(&q.mu)
	return q
}

type Engine struct {
	iso     isolate.Isolator
	q       *Queue
	cfgMu   sync.RWMutex
	cfg     map[string]string
	weights map[int]int
	served  atomic.Int64
	events  chan int
	timers  []*time.Timer
}

func (e *Engine) Run(ctx context.Context) {
	m := e.iso.Join()
	defer m.Leave()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for ctx.Err() == nil {
		sc := m.Idle()
		e.q.mu.Lock()
		for len(e.q.items) == 0 {
			e.q.cond.Wait()
		}
		it := e.q.items[0]
		e.q.items = e.q.items[1:]
		e.q.mu.Unlock()
		sc.End()

		h := m.Harmless()
		e.cfgMu.RLock()
		mode := e.cfg["mode"]
		e.cfgMu.RUnlock()
		h.End()

		start := time.Now()
		w := e.weights[it]
		if mode == "double" {
			w *= 2
		}
		e.served.Add(int64(w))
		e.timers = append(e.timers, time.AfterFunc(time.Second, func() {}))
		select {
		case e.events <- it:
		default:
		}
		if len(e.events) == cap(e.events) {
			cancel()
		}
		_ = time.Since(start)
	}
}
