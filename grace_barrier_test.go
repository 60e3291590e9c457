package isolate

// Tests of Barrier and BarrierContext: they wait for the funcs deferred
// before them, not for those deferred after, and what those funcs wrote is
// synchronized before they return. How the funcs are batched and when they
// run is in grace_defer_test.go.

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Barrier waits for the funcs deferred before it, not for those deferred
// after it; BarrierContext gives up and leaves no trace.
func TestBarrierWaitsForFuncsDeferredBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		iso.Barrier() // nothing deferred: returns at once
		a, b := newActor(t), newActor(t)
		ma := a.join(t, &iso)
		var first, second atomic.Bool
		iso.Defer(func() { first.Store(true) }) // waits for A
		mb := b.join(t, &iso)
		barrier := goOp(iso.Barrier)
		barrier.blocked(t, "Barrier while the func deferred before it waits for A")
		iso.Defer(func() { second.Store(true) }) // waits for A and B
		a.do(t, "A Idle scope", func() { ma.Idle().End() })
		barrier.wait(t, "Barrier once the func deferred before it ran")
		assert.True(t, first.Load())
		synctest.Wait()
		assert.False(t, second.Load(), "the func deferred after Barrier ran while B runs")

		ctx, cancel := context.WithCancel(context.Background())
		var err error
		bc := goOp(func() { err = iso.BarrierContext(ctx) })
		bc.blocked(t, "BarrierContext while the second func waits for B")
		cancel()
		bc.wait(t, "BarrierContext after cancel")
		require.ErrorIs(t, err, context.Canceled)
		assert.True(t, strings.HasPrefix(err.Error(), "isolate: "), err.Error())
		iso.grace.mu.Lock()
		assert.Empty(t, iso.grace.barriers, "an abandoned BarrierContext is still registered")
		iso.grace.mu.Unlock()
		assert.Zero(t, iso.grace.barrierAt.Load())
		require.ErrorIs(t, iso.BarrierContext(ctx), context.Canceled, "ended context")

		b.do(t, "B Idle scope", func() { mb.Idle().End() })
		require.NoError(t, iso.BarrierContext(context.Background()))
		assert.True(t, second.Load())
		assert.Zero(t, iso.Stats().DeferredPending)
		a.do(t, "A Leave", ma.Leave)
		b.do(t, "B Leave", mb.Leave)
	})
}

// Barrier calls from many goroutines, each after its own Defer calls, while
// members run, go idle and leave: each Barrier returns after every func its
// goroutine deferred before it, and what those funcs wrote is synchronized
// before its return (the race detector checks the plain writes and reads).
func TestBarrierStorm(t *testing.T) {
	var iso Isolator
	iso.StallAfter = -1
	var stop atomic.Bool
	var bad atomic.Int64
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 11))
			for !stop.Load() {
				m := iso.Join()
				for range rng.IntN(64) {
					if rng.IntN(8) == 0 {
						m.Idle().End()
					} else {
						m.Harmless().End()
					}
				}
				m.Leave()
			}
		}()
	}
	var barriers atomic.Int64
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 12))
			for !stop.Load() {
				done := make([]bool, 1+rng.IntN(4)) // written by the funcs, plainly
				for j := range done {
					iso.Defer(func() { done[j] = true })
				}
				if rng.IntN(2) == 0 {
					iso.Barrier()
				} else {
					ctx, cancel := context.WithTimeout(context.Background(), time.Duration(rng.IntN(200))*time.Microsecond)
					err := iso.BarrierContext(ctx)
					cancel()
					if err != nil {
						iso.Barrier() // the funcs run anyway: wait for them
					}
				}
				if slices.Contains(done, false) {
					bad.Add(1)
				}
				barriers.Add(1)
			}
		}()
	}
	stormFor(t, &iso, 1500*time.Millisecond, &stop, &wg, 20*time.Second)
	iso.Barrier()
	st := iso.Stats()
	t.Logf("%d barriers, %+v", barriers.Load(), st)
	if bad.Load() > 0 {
		t.Errorf("%d barriers returned before a func deferred before them ran", bad.Load())
	}
	if st.DeferredPending != 0 || barriers.Load() == 0 {
		t.Errorf("pending %d after the last Barrier; %d barriers", st.DeferredPending, barriers.Load())
	}
	iso.grace.mu.Lock()
	defer iso.grace.mu.Unlock()
	assert.Empty(t, iso.grace.barriers)
}
