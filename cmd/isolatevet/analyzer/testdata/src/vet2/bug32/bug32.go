// Package bug32 records a metric through the Isolator's Do from a running
// member.
package bug32

import (
	"github.com/isolatekit/isolate"
)

type Stats struct {
	iso  *isolate.Isolator
	hist map[int]int
}

func (s *Stats) Serve(latencies <-chan int) {
	m := s.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		l, ok := <-latencies
		sc.End()
		if !ok {
			return
		}
		bucket := l / 10
		s.iso.Do(func() { s.hist[bucket]++ }) // want `s\.iso\.Do\(\) from running member m waits for m itself`
	}
}
