// Stats kept under a mutex that a harmless member may hold.
package bug09

import (
	"sync"

	"github.com/isolatekit/isolate"
)

type stats struct {
	mu sync.Mutex
	n  int
}

func count(m isolate.Member, s *stats) {
	s.mu.Lock()
	s.n++
	s.mu.Unlock()
}
