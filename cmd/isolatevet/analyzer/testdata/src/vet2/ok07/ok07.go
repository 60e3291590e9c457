// Package ok07 is a simulation loop: a member computes over a shared grid,
// drains an urgent queue without blocking, polls in long loops, and waits
// for the next tick idle.
package ok07

import (
	"context"
	"time"

	"github.com/isolatekit/isolate"
)

type Cmd struct{ X, Y, V int }

type Sim struct {
	iso    isolate.Isolator
	grid   [][]int
	urgent chan Cmd
	stats  chan int
}

func (s *Sim) Run(ctx context.Context, tick time.Duration) error {
	m := s.iso.JoinNamed("sim")
	defer m.Leave()
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		// Drain what is queued, never wait here.
	drain:
		for {
			select {
			case c := <-s.urgent:
				s.apply(m, c)
			default:
				break drain
			}
		}
		total := 0
		for i, row := range s.grid {
			for j := range row {
				total += s.grid[i][j]
			}
			m.Poll()
		}
		select {
		case s.stats <- total:
		default: // nobody listens: drop it
		}
		sc := m.Idle()
		select {
		case <-ctx.Done():
			sc.End()
			return ctx.Err()
		case <-t.C:
		}
		sc.End()
	}
}

func (s *Sim) apply(m isolate.Member, c Cmd) {
	release := m.Isolate()
	defer release()
	if c.Y < 0 || c.Y >= len(s.grid) {
		return
	}
	s.grid[c.Y][c.X] = c.V
}

// Snapshot is called by a monitor goroutine, not a member.
func (s *Sim) Snapshot() [][]int { // want Snapshot:"mayBlock"
	release := s.iso.IsolateFull()
	defer release()
	out := make([][]int, len(s.grid))
	for i := range s.grid {
		out[i] = append([]int(nil), s.grid[i]...)
	}
	return out
}

// Wait waits for a stats value with a timeout, on the monitor goroutine.
func (s *Sim) Wait(d time.Duration) (int, bool) { // want Wait:"mayBlock"
	select {
	case v := <-s.stats:
		return v, true
	case <-time.After(d):
		return 0, false
	}
}
