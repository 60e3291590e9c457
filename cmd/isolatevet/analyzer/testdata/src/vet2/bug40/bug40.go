// Package bug40 ends the same scope twice on the error path.
package bug40

import (
	"net"

	"github.com/isolatekit/isolate"
)

type Echo struct {
	iso isolate.Isolator
	n   int
}

func (e *Echo) serve(c net.Conn) error {
	m := e.iso.Join()
	defer m.Leave()
	buf := make([]byte, 256)
	for {
		sc := m.Harmless()
		n, err := c.Read(buf)
		if err != nil {
			sc.End()
		}
		sc.End() // want `sc\.End is ended a second time here, after the end at line 23`
		if err != nil {
			return err
		}
		e.n += n
	}
}
