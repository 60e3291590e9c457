// Package bug15 multiplexes commands and ticks; the idle scope ends before
// the select that waits.
package bug15

import (
	"context"
	"time"

	"github.com/isolatekit/isolate"
)

type Cmd struct {
	Key string
	Val int
}

type Agent struct {
	iso   isolate.Isolator
	state map[string]int
	cmds  chan Cmd
}

func (a *Agent) Run(ctx context.Context) error {
	m := a.iso.Join()
	defer m.Leave()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		sc := m.Idle()
		if ctx.Err() != nil {
			sc.End()
			return ctx.Err()
		}
		sc.End()
		select { // want `select without default blocks while m runs`
		case c := <-a.cmds:
			release := m.Isolate()
			a.state[c.Key] = c.Val
			release()
		case <-tick.C:
			_ = len(a.state)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
