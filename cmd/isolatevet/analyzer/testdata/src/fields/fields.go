// A member held in a field of the receiver: running on entry of a method
// that opens a Harmless or Idle scope on it, unknown otherwise.
package fields

import (
	"github.com/isolatekit/isolate"
)

type client struct {
	m     isolate.Member
	in    chan string
	out   chan string
	rooms map[string]int
}

func (c *client) loop() {
	defer c.m.Leave()
	for {
		line, ok := <-c.in // want `<-c.in blocks while c.m runs`
		if !ok {
			return
		}
		c.rooms[line]++
		h := c.m.Harmless()
		c.out <- line
		h.End()
	}
}

func (c *client) loopIdle() {
	defer c.m.Leave()
	for {
		sc := c.m.Idle()
		line, ok := <-c.in
		sc.End()
		if !ok {
			return
		}
		c.rooms[line]++
		c.out <- line // want `send on c.out blocks while c.m runs`
	}
}

// No scope on c.m: the method may run inside the caller's scope.
func (c *client) next() string { return <-c.in } // want next:"mayBlock"

// Busy on c.m: a callback's member, idle between calls.
func (c *client) onLine(line string) {
	c.out <- line
	defer c.m.Busy().End()
	c.rooms[line]++
}

// A scope only inside a func literal says nothing of the method's entry.
func (c *client) later() func() {
	c.out <- "later"
	return func() {
		defer c.m.Harmless().End()
		c.out <- "now"
	}
}

// A member in a parameter's field counts as the receiver's does.
func flush(c *client, lines []string) {
	for _, l := range lines {
		c.out <- l // want `send on c.out blocks while c.m runs`
	}
	defer c.m.Idle().End()
	<-c.in
}

// A field the package joins idle into may hold an idle member on entry,
// scope or no scope.
type hook struct {
	cb  isolate.Member
	in  chan string
	out chan string
}

func newHook(iso *isolate.Isolator) *hook { return &hook{cb: iso.JoinIdle()} }

func (h *hook) pump() {
	defer h.cb.Leave()
	for s := range h.in {
		release := h.cb.Isolate()
		_ = s
		release()
		sc := h.cb.Harmless()
		h.out <- s
		sc.End()
	}
}
