// A writer that is also a member waits for a grace period while running.
package bug04

import (
	"sync/atomic"

	"github.com/isolatekit/isolate"
)

type config struct{ limit int }

func writer(iso *isolate.Isolator, cur *atomic.Pointer[config], updates chan int) {
	m := iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		n, ok := <-updates
		sc.End()
		if !ok {
			return
		}
		cur.Store(&config{limit: n})
		iso.Synchronize()
	}
}
