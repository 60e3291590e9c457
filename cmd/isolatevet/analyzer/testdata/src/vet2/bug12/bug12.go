// Package bug12 counts requests per client with a mutex taken while the
// member runs.
package bug12

import (
	"sync"

	"github.com/isolatekit/isolate"
)

type Limiter struct {
	iso    isolate.Isolator
	limits map[string]int

	mu     sync.Mutex
	counts map[string]int
}

func (l *Limiter) Allow(m isolate.Member, client string) bool {
	max := l.limits[client]
	l.mu.Lock() // want `l\.mu\.Lock blocks while m runs`
	defer l.mu.Unlock()
	l.counts[client]++
	return l.counts[client] <= max
}

func (l *Limiter) Serve(reqs <-chan string, replies chan<- bool) {
	m := l.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		c, ok := <-reqs
		sc.End()
		if !ok {
			return
		}
		ok = l.Allow(m, c)
		sc = m.Harmless()
		replies <- ok
		sc.End()
	}
}
