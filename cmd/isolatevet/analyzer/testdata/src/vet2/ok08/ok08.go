// Package ok08 uses closures, method values and Do: counters updated in
// combined isolations, a helper that runs a func in an idle scope, and
// goroutines started by a running member.
package ok08

import (
	"log"
	"sync"

	"github.com/isolatekit/isolate"
)

type Counters struct {
	iso  isolate.Isolator
	hits map[string]int
	wg   sync.WaitGroup
	out  chan string
}

// idle runs wait in an idle scope of m.
func idle(m isolate.Member, wait func()) {
	defer m.Idle().End()
	wait()
}

func (c *Counters) bump(key string) {
	c.hits[key]++
}

func (c *Counters) Worker(in <-chan string) {
	m := c.iso.Join()
	defer m.Leave()
	for {
		var key string
		var ok bool
		idle(m, func() { key, ok = <-in })
		if !ok {
			return
		}
		m.Do(func() { c.bump(key) })
		report := c.report
		report(key)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.out <- key // another goroutine: it holds no member
		}()
	}
}

func (c *Counters) report(key string) {
	if c.hits[key]%1000 == 0 {
		log.Printf("%s: %d hits", key, c.hits[key])
	}
}

// Reset is called from an admin goroutine.
func (c *Counters) Reset() { // want Reset:"mayBlock"
	c.iso.Do(func() { clear(c.hits) })
	c.wg.Wait()
}
