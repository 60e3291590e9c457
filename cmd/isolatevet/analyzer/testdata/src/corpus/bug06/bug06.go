// A poller that backs off while running.
package bug06

import (
	"time"

	"github.com/isolatekit/isolate"
)

func poll(m isolate.Member, ready func() bool) {
	for !ready() {
		time.Sleep(10 * time.Millisecond)
	}
}
