// Package bug17 starts a sub-task that joins while the parent member runs.
package bug17

import (
	"github.com/isolatekit/isolate"
)

type Planner struct {
	iso   isolate.Isolator
	graph map[string][]string
}

func (p *Planner) expand(m isolate.Member, node string) []string {
	return p.graph[node]
}

func (p *Planner) Plan(root string) []string {
	m := p.iso.Join()
	defer m.Leave()
	var order []string
	for _, n := range p.expand(m, root) {
		sub := p.iso.Join() // want `p\.iso\.Join\(\) from running member m waits for m itself`
		order = append(order, p.expand(sub, n)...)
		sub.Leave()
	}
	return order
}
