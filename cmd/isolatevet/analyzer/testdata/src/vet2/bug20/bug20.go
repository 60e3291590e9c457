// Package bug20 marks the member idle the way an older API did: the scope
// is dropped.
package bug20

import (
	"time"

	"github.com/isolatekit/isolate"
)

type Poller struct {
	iso     isolate.Isolator
	targets map[string]bool
	every   time.Duration
}

func (p *Poller) Loop(stop <-chan struct{}) {
	m := p.iso.Join()
	defer m.Leave()
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		for host := range p.targets {
			_ = host
		}
		m.Idle() // want `the Scope of m\.Idle\(\) is dropped`
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
