// Package ok33 keeps one idle scope open across its loop and reopens it
// after each job, a style some event loops use.
package ok33

import (
	"time"

	"github.com/isolatekit/isolate"
)

type Loop struct {
	iso   isolate.Isolator
	in    chan string
	quit  chan struct{}
	table map[string]int
}

func (l *Loop) Run() {
	m := l.iso.Join()
	defer m.Leave()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	idle := m.Idle()
	for {
		select {
		case s := <-l.in:
			idle.End()
			l.table[s]++
			idle = m.Idle()
		case <-tick.C:
			idle.End()
			for k, v := range l.table {
				if v == 0 {
					delete(l.table, k)
				}
			}
			idle = m.Idle()
		case <-l.quit:
			idle.End()
			return
		}
	}
}

// Wait blocks until the next tick idle, in a helper that keeps both kinds
// of scope.
func (l *Loop) Wait(m isolate.Member, full bool) {
	var sc isolate.Scope
	if full {
		sc = m.Idle()
	} else {
		sc = m.Harmless()
	}
	<-l.quit
	sc.End()
}
