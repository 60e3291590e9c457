// Package bug26 batches log lines and flushes them through a local closure
// that sends on a channel, while the member runs.
package bug26

import (
	"strings"

	"github.com/isolatekit/isolate"
)

type Shipper struct {
	iso    isolate.Isolator
	labels map[string]string
	out    chan string
}

func (s *Shipper) Run(lines <-chan string) {
	m := s.iso.Join()
	defer m.Leave()
	var batch []string
	flush := func() {
		s.out <- strings.Join(batch, "\n")
		batch = batch[:0]
	}
	for {
		sc := m.Idle()
		l, ok := <-lines
		sc.End()
		if !ok {
			return
		}
		batch = append(batch, s.labels["host"]+" "+l)
		if len(batch) == 100 {
			flush() // want `flush may block \(send on s\.out at bug26\.go:22\), called while m runs`
		}
	}
}
