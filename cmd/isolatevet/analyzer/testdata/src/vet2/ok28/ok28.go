// Package ok28 runs a pipeline stage where several members' scopes nest in
// one func: a member that waits for the next stage idle, and a second,
// idle member joined for a callback.
package ok28

import (
	"github.com/isolatekit/isolate"
)

type Stage struct {
	iso   *isolate.Isolator
	table map[string]string
}

func (s *Stage) Run(in <-chan string, out chan<- string) {
	m := s.iso.Join()
	defer m.Leave()
	cb := s.iso.JoinIdle()
	defer cb.Leave()
	for {
		sc := m.Idle()
		v, ok := <-in
		sc.End()
		if !ok {
			return
		}
		res := s.table[v]
		busy := cb.Busy()
		res += s.table[res]
		busy.End()
		h := m.Harmless()
		out <- res
		h.End()
	}
}
