// Package ok24 defines closures in running code and calls them where they
// may block: inside scopes, on other goroutines, after grace periods.
package ok24

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate"
)

type Table struct{ rows map[string]int }

type App struct {
	iso     isolate.Isolator
	cur     atomic.Pointer[Table]
	spare   chan *Table
	jobs    chan string
	done    chan string
	wg      sync.WaitGroup
	timeout time.Duration
}

func (a *App) Worker() {
	m := a.iso.Join()
	defer m.Leave()
	recv := func() (string, bool) {
		j, ok := <-a.jobs
		return j, ok
	}
	notify := func(j string) { a.done <- j }
	for {
		sc := m.Idle()
		j, ok := recv()
		sc.End()
		if !ok {
			return
		}
		n := a.cur.Load().rows[j]
		if n > 100 {
			next := &Table{rows: map[string]int{}}
			old := a.cur.Swap(next)
			a.iso.Defer(func() { a.spare <- old })
		}
		time.AfterFunc(a.timeout, func() { a.done <- "timeout " + j })
		a.wg.Add(1)
		go func() {
			defer a.wg.Done()
			notify(j)
		}()
	}
}

func (a *App) Mux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("/next", func(w http.ResponseWriter, r *http.Request) {
		j := <-a.done
		w.Write([]byte(j))
	})
	return mux
}
