// Package ok37 embeds the Member in its connection type.
package ok37

import (
	"bufio"
	"net"
	"strings"

	"github.com/isolatekit/isolate"
)

type conn struct {
	isolate.Member
	net.Conn
	r *bufio.Reader
}

type Server struct {
	iso    isolate.Isolator
	topics map[string][]string
}

func (s *Server) serve(nc net.Conn) {
	c := &conn{Member: s.iso.JoinNamed("conn"), Conn: nc, r: bufio.NewReader(nc)}
	defer c.Leave()
	defer c.Close()
	for {
		sc := c.Idle()
		line, err := c.r.ReadString('\n')
		sc.End()
		if err != nil {
			return
		}
		subs := s.topics[strings.TrimSpace(line)]
		h := c.Harmless()
		_, err = c.Write([]byte(strings.Join(subs, ",") + "\n"))
		h.End()
		if err != nil {
			return
		}
	}
}
