package isolate

import (
	"context"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
)

// shared is plain data guarded by nothing but the Isolator: members read it
// while running, isolated sections write it. The race detector reports any
// missing happens-before edge.
type shared struct {
	a, b  int
	seen  int
	inUse atomic.Int32 // members running right now (outside harmless scopes)
}

func (s *shared) check(t *testing.T) {
	if s.a != s.b {
		t.Errorf("torn shared data: a=%d b=%d", s.a, s.b)
	}
}

// isolated runs the body of an isolated section: nobody else may run.
func (s *shared) isolated(t *testing.T, self int32, isolations *atomic.Int64) {
	if n := s.inUse.Load(); n != self {
		t.Errorf("isolated with %d running members (self %d)", n, self)
	}
	s.a++
	s.seen++
	s.b++
	isolations.Add(1)
}

func TestStress(t *testing.T) {
	d := 2 * time.Second
	if testing.Short() {
		d = 300 * time.Millisecond
	}
	var (
		iso        Isolator
		data       shared
		isolations atomic.Int64
		stop       atomic.Bool
	)
	var g errgroup.Group
	for w := range 6 {
		g.Go(func() error {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for !stop.Load() {
				m := iso.Join()
				data.inUse.Add(1)
				for range rng.IntN(50) {
					data.check(t)
					switch rng.IntN(10) {
					case 0:
						data.inUse.Add(-1)
						release := m.Isolate()
						data.isolated(t, 0, &isolations)
						release()
						data.inUse.Add(1)
					case 1:
						data.inUse.Add(-1)
						ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(50))*time.Microsecond)
						if release, err := m.IsolateContext(ctx); err == nil {
							data.isolated(t, 0, &isolations)
							release()
						}
						cancel()
						data.inUse.Add(1)
					case 2:
						data.inUse.Add(-1) // Poll may let an isolation run
						m.Poll()
						data.inUse.Add(1)
					default:
						data.inUse.Add(-1)
						end := m.Harmless()
						if rng.IntN(4) == 0 {
							time.Sleep(time.Microsecond)
						}
						end()
						data.inUse.Add(1)
					}
				}
				data.inUse.Add(-1)
				m.Leave()
			}
			return nil
		})
	}
	for range 2 {
		g.Go(func() error {
			for !stop.Load() {
				release := iso.Isolate()
				data.isolated(t, 0, &isolations)
				release()
				time.Sleep(10 * time.Microsecond)
			}
			return nil
		})
	}
	time.Sleep(d)
	stop.Store(true)
	require.NoError(t, g.Wait())
	t.Logf("%d isolations, shared data %d", isolations.Load(), data.seen)
	require.Positive(t, isolations.Load())
}
