// Package ok25 calls a telemetry package from running code: its exported
// funcs block only on goroutines of their own.
package ok25

import (
	"time"

	"github.com/isolatekit/isolate"

	"vet2/ok25/telemetry"
)

type Gateway struct {
	iso    isolate.Isolator
	sink   *telemetry.Sink
	routes map[string]string
	events chan string
}

func (g *Gateway) Run(reqs <-chan string) {
	m := g.iso.Join()
	defer m.Leave()
	g.sink.Start(10 * time.Second)
	for {
		sc := m.Idle()
		r, ok := <-reqs
		sc.End()
		if !ok {
			return
		}
		dst := g.routes[r]
		g.sink.Offer(g.events, dst)
		_ = g.sink.Out()
	}
}
