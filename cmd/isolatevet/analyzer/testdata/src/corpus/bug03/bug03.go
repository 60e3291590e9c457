// A member that must change the table isolates through the Isolator.
package bug03

import "github.com/isolatekit/isolate"

type server struct {
	iso   isolate.Isolator
	table map[string]int
}

func (s *server) serve(key string) {
	m := s.iso.Join()
	defer m.Leave()
	if _, ok := s.table[key]; !ok {
		release := s.iso.Isolate()
		s.table[key] = 1
		release()
	}
}
