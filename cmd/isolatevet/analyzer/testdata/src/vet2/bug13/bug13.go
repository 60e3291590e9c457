// Package bug13 consumes an event stream with range while the member runs.
package bug13

import (
	"log"

	"github.com/isolatekit/isolate"
)

type Event struct {
	Kind string
	Key  string
}

type Projector struct {
	iso   isolate.Isolator
	views map[string]int
}

func (p *Projector) Consume(events <-chan Event) {
	m := p.iso.JoinNamed("projector")
	defer m.Leave()
	for ev := range events { // want `range over events blocks while m runs`
		switch ev.Kind {
		case "add":
			p.views[ev.Key]++
		case "del":
			p.views[ev.Key]--
		default:
			log.Printf("unknown event %q", ev.Kind)
		}
	}
}
