// Package bug03 swaps a routing table RCU-style from a request handler and
// waits for the grace period while the handler's member runs.
package bug03

import (
	"sync/atomic"

	"github.com/isolatekit/isolate"
)

type Table struct {
	Routes map[string]string
	Gen    int
}

type Router struct {
	iso  isolate.Isolator
	cur  atomic.Pointer[Table]
	free []*Table
}

func (r *Router) Lookup(m isolate.Member, host string) string {
	t := r.cur.Load()
	return t.Routes[host]
}

func (r *Router) Handle(reqs <-chan string, updates <-chan map[string]string) {
	m := r.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		var host string
		var upd map[string]string
		var ok bool
		select {
		case host, ok = <-reqs:
		case upd, ok = <-updates:
		}
		sc.End()
		if !ok {
			return
		}
		if upd != nil {
			old := r.cur.Load()
			next := &Table{Routes: upd, Gen: old.Gen + 1}
			r.cur.Store(next)
			r.iso.Synchronize() // want `r\.iso\.Synchronize\(\) from running member m waits for m itself`
			r.free = append(r.free, old)
			continue
		}
		_ = r.Lookup(m, host)
	}
}
