// Package ok31 is a worker that returns from inside its idle wait when the
// context ends: its deferred Leave ends the scope still open.
package ok31

import (
	"context"

	"github.com/isolatekit/isolate"
)

type Job struct{ Key string }

type Pool struct {
	iso    isolate.Isolator
	jobs   chan Job
	counts map[string]int
}

func (p *Pool) worker(ctx context.Context) error {
	m := p.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		var j Job
		select {
		case <-ctx.Done():
			return ctx.Err()
		case j = <-p.jobs:
		}
		sc.End()
		p.counts[j.Key]++
	}
}

func (p *Pool) drain() {
	m := p.iso.Join()
	for {
		sc := m.Idle()
		j, ok := <-p.jobs
		if !ok {
			m.Leave()
			return
		}
		sc.End()
		p.counts[j.Key]--
	}
}
