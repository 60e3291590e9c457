// Package bug19 waits for the next batch idle from inside a harmless scope.
package bug19

import (
	"github.com/isolatekit/isolate"
)

type Pipeline struct {
	iso    isolate.Isolator
	stages map[string]func([]byte) []byte
	in     chan []byte
	out    chan []byte
}

func (p *Pipeline) Run(name string) {
	m := p.iso.Join()
	defer m.Leave()
	stage := p.stages[name]
	for {
		data := stage(nil)
		h := m.Harmless()
		p.out <- data
		next := m.Idle() // want `m\.Idle\(\) inside a Harmless scope panics`
		b, ok := <-p.in
		next.End()
		h.End()
		if !ok {
			return
		}
		_ = stage(b)
	}
}
