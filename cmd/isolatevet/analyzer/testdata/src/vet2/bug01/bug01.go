// Package bug01 is a worker pool whose workers hand results back while
// running: the send blocks when the collector is slow.
package bug01

import (
	"context"
	"sync"

	"github.com/isolatekit/isolate"
)

type Task struct {
	ID   int
	Host string
}

type Result struct {
	ID   int
	Addr string
}

type Resolver struct {
	iso   isolate.Isolator
	hosts map[string]string
}

func (r *Resolver) Run(ctx context.Context, tasks <-chan Task, n int) <-chan Result {
	out := make(chan Result)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := r.iso.Join()
			defer m.Leave()
			for {
				sc := m.Idle()
				var t Task
				var ok bool
				select {
				case t, ok = <-tasks:
				case <-ctx.Done():
				}
				sc.End()
				if !ok {
					return
				}
				addr := r.hosts[t.Host]
				out <- Result{ID: t.ID, Addr: addr} // want `send on out blocks while m runs`
			}
		}()
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return out
}

func (r *Resolver) Set(host, addr string) { // want Set:"mayBlock"
	defer r.iso.Isolate()()
	r.hosts[host] = addr
}
