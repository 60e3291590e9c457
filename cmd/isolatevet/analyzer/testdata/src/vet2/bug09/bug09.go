// Package bug09 is a session cache: a member that finds the cache too big
// evicts through the Isolator instead of through its Member.
package bug09

import (
	"time"

	"github.com/isolatekit/isolate"
)

type entry struct {
	val     string
	expires time.Time
}

type Cache struct {
	iso  *isolate.Isolator
	data map[string]entry
	max  int
}

func NewCache(iso *isolate.Isolator, max int) *Cache {
	return &Cache{iso: iso, data: map[string]entry{}, max: max}
}

func (c *Cache) evictExpired() { // want evictExpired:"mayBlock"
	defer c.iso.Isolate()() // waits for the members: Serve calls it while m runs
	now := time.Now()
	for k, e := range c.data {
		if now.After(e.expires) {
			delete(c.data, k)
		}
	}
}

func (c *Cache) Serve(keys <-chan string, out chan<- string) {
	m := c.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		k, ok := <-keys
		sc.End()
		if !ok {
			return
		}
		if len(c.data) > c.max {
			c.evictExpired() // want `Cache\.evictExpired may block \(c\.iso\.Isolate at bug09\.go:27\), called while m runs`
		}
		v := c.data[k].val
		h := m.Harmless()
		out <- v
		h.End()
	}
}
