// Package bug04 waits for a reply in a helper that marks itself harmless
// the old way, without ending the scope.
package bug04

import (
	"time"

	"github.com/isolatekit/isolate"
)

type Client struct {
	iso     isolate.Isolator
	pending map[int]chan string
	timeout time.Duration
}

func (c *Client) await(m isolate.Member, ch chan string) (string, bool) {
	defer m.Harmless() // want `defer m\.Harmless\(\) opens the scope when the func returns, and never ends it`
	select {           // want `select without default blocks while m runs`
	case v := <-ch:
		return v, true
	case <-time.After(c.timeout):
		return "", false
	}
}

func (c *Client) Call(id int) (string, bool) {
	m := c.iso.Join()
	defer m.Leave()
	ch := c.pending[id]
	if ch == nil {
		return "", false
	}
	return c.await(m, ch)
}
