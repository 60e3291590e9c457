// Package ok12 uses a table library across packages, nested scopes,
// isolations from idle scopes, and a full isolation from a running member.
package ok12

import (
	"os"
	"time"

	"github.com/isolatekit/isolate"

	"vet2/ok12/tables"
)

type App struct {
	iso   isolate.Isolator
	t     *tables.Table
	cache map[string]string
	in    chan []string
}

func (a *App) Loop() {
	m := a.iso.JoinNamed("loop")
	defer m.Leave()
	for {
		idle := m.Idle()
		row, ok := <-a.in
		if ok && len(row) == 0 {
			// Idle already: clean the cache alone without running first.
			release := m.Isolate()
			clear(a.cache)
			release()
		}
		idle.End()
		if !ok {
			return
		}
		if a.t.Get(m, row[0]) == nil {
			a.t.Set(m, row[0], row[1:])
		}
		if len(a.cache) > 1000 {
			// Members may hold cache entries: free them when all are idle.
			release := m.IsolateFull()
			a.cache = map[string]string{}
			release()
		}
		for _, k := range row {
			func() {
				defer m.Isolate()()
				delete(a.cache, k)
			}()
		}
		a.t.Dump(m, os.Stdout)
		h := m.Harmless()
		inner := m.Harmless()
		time.Sleep(time.Millisecond)
		inner.End()
		h.End()
	}
}
