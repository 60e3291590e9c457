// Package ok32 is a callback handler set for members that joined idle; the
// framework passes the member to each handler, which does its I/O first
// and runs busy only around the shared state.
package ok32

import (
	"io"
	"net"

	"github.com/isolatekit/isolate"
)

type Conn struct {
	raw  net.Conn
	m    isolate.Member
	name string
}

type Handlers struct {
	iso   *isolate.Isolator
	users map[string]int
	log   chan string
}

func (h *Handlers) Accept(c net.Conn) *Conn {
	return &Conn{raw: c, m: h.iso.JoinIdle()}
}

// OnData is called with the connection's member, idle between callbacks.
func (h *Handlers) OnData(m isolate.Member, c *Conn, buf []byte) error {
	n, err := c.raw.Read(buf)
	if err != nil {
		return err
	}
	h.log <- string(buf[:n])
	sc := m.Busy()
	h.users[c.name]++
	sc.End()
	return nil
}

func (h *Handlers) OnClose(m isolate.Member, c *Conn) {
	io.WriteString(c.raw, "bye\n")
	func() {
		defer m.Busy().End()
		delete(h.users, c.name)
	}()
	m.Leave()
}
