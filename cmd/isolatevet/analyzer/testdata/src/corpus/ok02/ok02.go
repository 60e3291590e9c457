// Read-copy-update: members read, an outsider writer waits for grace periods.
package ok02

import (
	"sync/atomic"

	"github.com/isolatekit/isolate"
)

type config struct{ limit int }

func reader(iso *isolate.Isolator, cur *atomic.Pointer[config], reqs chan int, out chan int) {
	m := iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		r, ok := <-reqs
		sc.End()
		if !ok {
			return
		}
		v := cur.Load().limit * r
		sc = m.Harmless()
		out <- v
		sc.End()
	}
}

func writer(iso *isolate.Isolator, cur *atomic.Pointer[config], n int) {
	cur.Store(&config{limit: n})
	iso.Synchronize()
	defer iso.Isolate()()
}
