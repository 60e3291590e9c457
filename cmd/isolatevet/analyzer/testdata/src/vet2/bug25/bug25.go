// Package bug25 decodes JSON requests from a connection while the member
// runs.
package bug25

import (
	"encoding/json"
	"net"

	"github.com/isolatekit/isolate"
)

type Request struct {
	Op  string `json:"op"`
	Key string `json:"key"`
}

type Reply struct {
	Val string `json:"val"`
}

type Service struct {
	iso  isolate.Isolator
	data map[string]string
}

func (s *Service) serve(conn net.Conn) {
	defer conn.Close()
	m := s.iso.Join()
	defer m.Leave()
	dec := json.NewDecoder(conn)
	enc := json.NewEncoder(conn)
	for {
		var req Request
		if err := dec.Decode(&req); err != nil { // want `dec\.Decode blocks while m runs`
			return
		}
		rep := Reply{Val: s.data[req.Key]}
		sc := m.Harmless()
		err := enc.Encode(rep)
		sc.End()
		if err != nil {
			return
		}
	}
}
