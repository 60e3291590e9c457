// Package ok42 is a generic worker pool: each worker keeps its member in a
// field of a generic struct and opens its scopes there.
package ok42

import (
	"sync"

	"github.com/isolatekit/isolate"
)

type Pool[T any] struct {
	iso   *isolate.Isolator
	in    chan T
	out   chan T
	state map[int]int
	wg    sync.WaitGroup
}

type worker[T any] struct {
	p  *Pool[T]
	m  isolate.Member
	id int
}

func (p *Pool[T]) Start(n int, f func(T) T) {
	for i := 0; i < n; i++ {
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			w := &worker[T]{p: p, m: p.iso.Join(), id: i}
			w.loop(f)
		}()
	}
}

func (w *worker[T]) loop(f func(T) T) {
	defer w.m.Leave()
	for {
		sc := w.m.Idle()
		v, ok := <-w.p.in
		sc.End()
		if !ok {
			return
		}
		w.p.state[w.id]++
		r := f(v)
		h := w.m.Harmless()
		w.p.out <- r
		h.End()
	}
}

func (p *Pool[T]) Stop() { // want Stop:"mayBlock"
	close(p.in)
	p.wg.Wait()
}
