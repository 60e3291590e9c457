// Package ok36 keeps the end of a scope as a method value, the way code
// ported from end funcs does, and reopens scopes after it.
package ok36

import (
	"net"

	"github.com/isolatekit/isolate"
)

type Relay struct {
	iso   isolate.Isolator
	peers map[string]net.Conn
}

func (r *Relay) pump(name string, src net.Conn) error {
	m := r.iso.Join()
	defer m.Leave()
	buf := make([]byte, 1024)
	for {
		end := m.Harmless().End
		n, err := src.Read(buf)
		end()
		if err != nil {
			return err
		}
		dst := r.peers[name]
		if dst == nil {
			continue
		}
		sc := m.Idle()
		_, err = dst.Write(buf[:n])
		sc.End()
		if err != nil {
			return err
		}
	}
}
