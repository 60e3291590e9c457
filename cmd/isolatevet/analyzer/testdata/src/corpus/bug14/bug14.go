// An event loop that selects while running.
package bug14

import (
	"time"

	"github.com/isolatekit/isolate"
)

func loop(iso *isolate.Isolator, events chan string, quit chan struct{}) {
	m := iso.Join()
	defer m.Leave()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case e := <-events:
			_ = e
		case <-tick.C:
		case <-quit:
			return
		}
	}
}
