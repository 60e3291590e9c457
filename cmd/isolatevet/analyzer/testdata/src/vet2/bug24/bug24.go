// Package bug24 is a line protocol over TLS; the reply is written while
// the member runs.
package bug24

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"

	"github.com/isolatekit/isolate"
)

type Server struct {
	iso   isolate.Isolator
	cfg   *tls.Config
	words map[string]string
}

func (s *Server) handle(raw net.Conn) {
	conn := tls.Server(raw, s.cfg)
	defer conn.Close()
	m := s.iso.JoinNamed("tls")
	defer m.Leave()
	r := bufio.NewReader(conn)
	for {
		sc := m.Idle()
		line, err := r.ReadString('\n')
		sc.End()
		if err != nil {
			return
		}
		def := s.words[strings.TrimSpace(line)]
		if _, err := conn.Write([]byte(def + "\n")); err != nil { // want `conn\.Write blocks while m runs`
			return
		}
	}
}
