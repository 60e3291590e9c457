// Package bug14 splits a batch into parallel lookups and waits for them
// while the member runs.
package bug14

import (
	"sync"

	"github.com/isolatekit/isolate"
)

type Resolver struct {
	iso   isolate.Isolator
	zones map[string]string
	query func(string) string
}

func (r *Resolver) ResolveBatch(m isolate.Member, names []string) []string {
	out := make([]string, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		if z, ok := r.zones[n]; ok {
			out[i] = z
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = r.query(n)
		}()
	}
	wg.Wait() // want `wg\.Wait blocks while m runs`
	return out
}
