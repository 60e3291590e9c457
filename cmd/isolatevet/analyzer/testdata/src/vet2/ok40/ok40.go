// Package ok40 imports records in batches: local closures that update
// shared state through the member, wait idle, or run on other goroutines.
package ok40

import (
	"errors"
	"sync"

	"github.com/isolatekit/isolate"
)

type Record struct {
	ID  string
	Val int
}

type Importer struct {
	iso    isolate.Isolator
	totals map[string]int
	errs   chan error
}

var errEmpty = errors.New("empty batch")

func (im *Importer) Import(batches <-chan []Record) error {
	m := im.iso.JoinNamed("importer")
	defer m.Leave()
	apply := func(rs []Record) {
		m.Do(func() {
			for _, r := range rs {
				im.totals[r.ID] += r.Val
			}
		})
	}
	next := func() ([]Record, bool) {
		b, ok := <-batches
		return b, ok
	}
	report := func(err error) { im.errs <- err }
	var wg sync.WaitGroup
	for {
		sc := m.Idle()
		b, ok := next()
		sc.End()
		if !ok {
			break
		}
		if len(b) == 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				report(errEmpty)
			}()
			continue
		}
		apply(b)
	}
	sc := m.Idle()
	wg.Wait()
	sc.End()
	return nil
}
