// Package bug36 throttles inside its own isolation.
package bug36

import (
	"time"

	"github.com/isolatekit/isolate"
)

type Cleaner struct {
	iso   isolate.Isolator
	items map[string]time.Time
	pause time.Duration
}

func (c *Cleaner) Sweep(m isolate.Member) int {
	release := m.Isolate()
	defer release()
	n := 0
	for k, t := range c.items {
		if time.Since(t) > time.Hour {
			delete(c.items, k)
			n++
			if n%100 == 0 {
				time.Sleep(c.pause) // want `time\.Sleep inside m's isolated section`
			}
		}
	}
	return n
}
