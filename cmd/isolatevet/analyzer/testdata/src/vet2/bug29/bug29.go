// Package bug29 waits for deferred recycling from a running member.
package bug29

import (
	"sync/atomic"

	"github.com/isolatekit/isolate"
)

type Snapshot struct{ Keys []string }

type Catalog struct {
	iso  *isolate.Isolator
	cur  atomic.Pointer[Snapshot]
	free chan *Snapshot
}

func (c *Catalog) Publish(m isolate.Member, next *Snapshot) {
	old := c.cur.Swap(next)
	c.iso.Defer(func() {
		select {
		case c.free <- old:
		default:
		}
	})
}

func (c *Catalog) Worker(updates <-chan *Snapshot) {
	m := c.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		next, ok := <-updates
		sc.End()
		if !ok {
			c.iso.Barrier() // want `c\.iso\.Barrier\(\) from running member m waits for m itself`
			return
		}
		c.Publish(m, next)
	}
}
