// Package bug23 reads length-prefixed frames from a connection with
// io.ReadFull while the member runs.
package bug23

import (
	"encoding/binary"
	"io"
	"net"

	"github.com/isolatekit/isolate"
)

type Router struct {
	iso    isolate.Isolator
	routes map[uint16]string
}

func (r *Router) serve(conn net.Conn) error {
	defer conn.Close()
	m := r.iso.Join()
	defer m.Leave()
	hdr := make([]byte, 4)
	for {
		if _, err := io.ReadFull(conn, hdr); err != nil { // want `io\.ReadFull blocks while m runs`
			return err
		}
		id := binary.BigEndian.Uint16(hdr[:2])
		dst := r.routes[id]
		sc := m.Harmless()
		_, err := conn.Write([]byte(dst))
		sc.End()
		if err != nil {
			return err
		}
	}
}
