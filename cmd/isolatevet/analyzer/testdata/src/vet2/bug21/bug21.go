// Package bug21 garbage-collects unreferenced blobs from a member that asks
// the Isolator for a full isolation.
package bug21

import (
	"github.com/isolatekit/isolate"
)

type Store struct {
	iso   *isolate.Isolator
	blobs map[string][]byte
	refs  map[string]int
}

func (s *Store) Worker(work <-chan string) {
	m := s.iso.Join()
	defer m.Leave()
	n := 0
	for {
		sc := m.Idle()
		k, ok := <-work
		sc.End()
		if !ok {
			return
		}
		s.refs[k]++
		n++
		if n%1024 == 0 {
			release := s.iso.IsolateFull() // want `s\.iso\.IsolateFull\(\) from running member m waits for m itself`
			for b, r := range s.refs {
				if r == 0 {
					delete(s.blobs, b)
				}
			}
			release()
		}
	}
}
