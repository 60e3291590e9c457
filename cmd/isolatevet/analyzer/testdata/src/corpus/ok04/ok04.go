// A callback framework: members join idle and run only inside handlers.
package ok04

import (
	"sync"

	"github.com/isolatekit/isolate"
)

type conn struct {
	m    isolate.Member
	mu   sync.Mutex
	seen int
}

func open(iso *isolate.Isolator) *conn { return &conn{m: iso.JoinIdle()} }

func (c *conn) onMessage(table map[string]int, msg string, n *int) {
	defer c.m.Busy().End()
	table[msg]++
	c.m.Do(func() { *n++ })
}

func (c *conn) close() {
	c.mu.Lock()
	c.seen++
	c.mu.Unlock()
	c.m.Leave()
}
