// Package bug34 is an accept loop that joined as a member: Accept blocks
// while it runs.
package bug34

import (
	"net"

	"github.com/isolatekit/isolate"
)

type Listener struct {
	iso   isolate.Isolator
	conns map[net.Conn]bool
}

func (l *Listener) Serve(ln net.Listener) error {
	m := l.iso.JoinNamed("acceptor")
	defer m.Leave()
	for {
		c, err := ln.Accept() // want `ln\.Accept blocks while m runs`
		if err != nil {
			return err
		}
		release := m.Isolate()
		l.conns[c] = true
		release()
	}
}
