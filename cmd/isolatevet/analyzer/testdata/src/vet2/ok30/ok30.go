// Package ok30 is a TCP proxy: each connection's member copies bytes in
// scopes, dials upstream idle, and counts bytes while running.
package ok30

import (
	"io"
	"net"
	"time"

	"github.com/isolatekit/isolate"
)

type Proxy struct {
	iso      isolate.Isolator
	upstream map[string]string
	bytes    map[string]int64
}

func (p *Proxy) handle(client net.Conn, name string) error {
	defer client.Close()
	m := p.iso.JoinNamed(name)
	defer m.Leave()
	addr, ok := p.upstream[name]
	if !ok {
		return nil
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	sc := m.Idle()
	up, err := d.Dial("tcp", addr)
	sc.End()
	if err != nil {
		return err
	}
	defer up.Close()
	go io.Copy(up, client)
	h := m.Harmless()
	n, err := io.Copy(client, up)
	h.End()
	release := m.Isolate()
	p.bytes[name] += n
	release()
	return err
}
