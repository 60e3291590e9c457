// Package bug02 is a TCP echo-with-lookup service; the read of each request
// happens while the connection's member runs.
package bug02

import (
	"io"
	"net"

	"github.com/isolatekit/isolate"
)

type Server struct {
	iso   isolate.Isolator
	names map[string]string
}

func (s *Server) ListenAndServe(addr string) error { // want ListenAndServe:"mayBlock"
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer c.Close()
	m := s.iso.JoinNamed("conn")
	defer m.Leave()
	buf := make([]byte, 512)
	for {
		n, err := c.Read(buf) // want `c\.Read blocks while m runs`
		if err == io.EOF {
			return
		}
		if err != nil {
			return
		}
		name, ok := s.names[string(buf[:n])]
		if !ok {
			name = "unknown"
		}
		sc := m.Harmless()
		_, err = c.Write([]byte(name))
		sc.End()
		if err != nil {
			return
		}
	}
}
