package spin

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// action is what one call of Spin or Snooze did: spin with hints > 0
// hints, yield, or nothing.
type action struct {
	hints uint32
	yield bool
}

func (a action) String() string {
	switch {
	case a.yield:
		return "yield"
	case a.hints > 0:
		return fmt.Sprintf("spin(%d)", a.hints)
	}
	return "nothing"
}

var (
	nothing  = action{}
	yielded  = action{yield: true}
	spinning = func(n uint32) action { return action{hints: n} }
)

// recorder collects the actions of Backoffs through the test hooks.
type recorder struct {
	t   *testing.T
	got []action
}

// record replaces the hooks with a recorder until the test ends.
func record(t *testing.T) *recorder {
	t.Helper()
	r := &recorder{t: t}
	savedPause, savedYield := pauseN, yield
	t.Cleanup(func() { pauseN, yield = savedPause, savedYield })
	pauseN = func(n uint32) { r.got = append(r.got, action{hints: n}) }
	yield = func() { r.got = append(r.got, action{yield: true}) }
	return r
}

// last returns the one action since the previous call of last or forget,
// or nothing. It fails the test if there were several.
func (r *recorder) last() action {
	r.t.Helper()
	defer r.forget()
	switch len(r.got) {
	case 0:
		return nothing
	case 1:
		return r.got[0]
	}
	r.t.Fatalf("one call made %d actions: %v", len(r.got), r.got)
	return nothing
}

// forget drops the actions recorded so far.
func (r *recorder) forget() {
	r.got = r.got[:0]
}

// TestSnoozeSteps spells out, call by call, what Snooze does from the zero
// value.
func TestSnoozeSteps(t *testing.T) {
	r := record(t)
	tests := []struct {
		step      uint32 // Step before the call
		want      action
		waited    bool // Snooze's result
		completed bool // Completed after the call
	}{
		{0, spinning(1), true, false},
		{1, spinning(2), true, false},
		{2, spinning(4), true, false},
		{3, spinning(8), true, false},
		{4, spinning(16), true, false},
		{5, spinning(32), true, false},
		{6, spinning(64), true, false},
		{7, yielded, true, false},
		{8, yielded, true, false},
		{9, yielded, true, false},
		{10, yielded, true, true},
		{11, nothing, false, true},
		{11, nothing, false, true},
		{11, nothing, false, true},
	}
	// The table is written for these values; update it with them.
	require.Equal(t, 6, SpinLimit)
	require.Equal(t, 10, YieldLimit)

	var b Backoff
	for i, tt := range tests {
		require.Equal(t, tt.step, b.Step(), "call %d: step before", i)
		waited := b.Snooze()
		assert.Equal(t, tt.want, r.last(), "call %d (step %d): action", i, tt.step)
		assert.Equal(t, tt.waited, waited, "call %d (step %d): Snooze result", i, tt.step)
		assert.Equal(t, tt.completed, b.Completed(), "call %d (step %d): Completed after", i, tt.step)
	}
}

// TestSnoozeCount checks the documented totals for the current limits:
// YieldLimit+1 rounds, of which SpinLimit+1 spin with 2<<SpinLimit - 1
// hints in all, and the rest yield.
func TestSnoozeCount(t *testing.T) {
	r := record(t)
	var (
		b              Backoff
		rounds, yields int
		hints, maxSpin uint32
	)
	for b.Snooze() {
		rounds++
		a := r.last()
		if a.yield {
			yields++
		} else {
			require.Zero(t, yields, "round %d spins after a yield", rounds)
			hints += a.hints
			maxSpin = max(maxSpin, a.hints)
		}
		require.LessOrEqual(t, rounds, 1000, "Snooze never completes")
	}
	assert.Equal(t, nothing, r.last(), "the call that reports false must do nothing")
	assert.Equal(t, YieldLimit+1, rounds)
	assert.Equal(t, YieldLimit-SpinLimit, yields)
	assert.Equal(t, uint32(2<<SpinLimit-1), hints)
	assert.Equal(t, uint32(1<<SpinLimit), maxSpin)
	assert.True(t, b.Completed())
	assert.Equal(t, uint32(YieldLimit+1), b.Step())
}

func TestZeroValue(t *testing.T) {
	r := record(t)
	var b Backoff
	assert.Equal(t, uint32(0), b.Step())
	assert.False(t, b.Completed())
	assert.True(t, b.Snooze())
	assert.Equal(t, spinning(1), r.last())

	var c Backoff
	c.Spin()
	assert.Equal(t, spinning(1), r.last())
}

func TestReset(t *testing.T) {
	r := record(t)
	var b Backoff
	for b.Snooze() {
	}
	r.forget()
	require.True(t, b.Completed())

	b.Reset()
	assert.Equal(t, Backoff{}, b)
	assert.False(t, b.Completed())
	assert.True(t, b.Snooze())
	assert.Equal(t, spinning(1), r.last(), "first round after Reset")

	// Reset in the middle of the yield phase, and after Spin.
	for b.Step() <= SpinLimit+1 {
		b.Snooze()
	}
	r.forget()
	b.Reset()
	b.Spin()
	assert.Equal(t, spinning(1), r.last())
}

// TestSpin checks that Spin doubles its rounds up to 1<<SpinLimit hints,
// never yields and never completes the Backoff.
func TestSpin(t *testing.T) {
	r := record(t)
	var b Backoff
	for i := range 1000 {
		b.Spin()
		want := spinning(1 << min(i, SpinLimit))
		require.Equal(t, want, r.last(), "Spin call %d", i)
		require.False(t, b.Completed(), "Spin call %d completed the Backoff", i)
		require.LessOrEqual(t, b.Step(), uint32(SpinLimit+1), "Spin call %d", i)
	}
}

// TestSpinThenSnooze checks that Snooze continues where Spin left off:
// with yields, and then completion.
func TestSpinThenSnooze(t *testing.T) {
	r := record(t)
	var b Backoff
	for range 20 {
		b.Spin()
	}
	r.forget()
	for range YieldLimit - SpinLimit {
		require.True(t, b.Snooze())
		require.Equal(t, yielded, r.last())
	}
	assert.False(t, b.Snooze())
	assert.True(t, b.Completed())
}

// TestNoAllocs runs whole waits with the real hooks.
func TestNoAllocs(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		var b Backoff
		for b.Snooze() {
		}
		b.Reset()
		for range 2 * SpinLimit {
			b.Spin()
		}
	})
	assert.Zero(t, allocs)
}

// CanSpin follows GOMAXPROCS, asking the runtime (which takes the
// scheduler's lock) at most once per ProcsRefresh, however often it is
// called.
func TestCanSpin(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var now atomic.Int64
	now.Store(procs.next.Load()) // due for a refresh
	asked := 0
	defer func(c func() int64, g func(int) int) { clock, gomaxprocs = c, g }(clock, gomaxprocs)
	clock = now.Load
	gomaxprocs = func(n int) int { asked++; return runtime.GOMAXPROCS(n) }

	runtime.GOMAXPROCS(1)
	assert.False(t, CanSpin(), "GOMAXPROCS=1")
	assert.Equal(t, 1, asked)

	runtime.GOMAXPROCS(2)
	for range 1000 {
		assert.False(t, CanSpin(), "within ProcsRefresh, the last answer")
	}
	assert.Equal(t, 1, asked, "asked the runtime again within ProcsRefresh")

	now.Add(int64(ProcsRefresh))
	assert.Equal(t, runtime.NumCPU() > 1, CanSpin(), "GOMAXPROCS=2, NumCPU=%d", runtime.NumCPU())
	assert.Equal(t, 2, asked)
}

func TestProcessors(t *testing.T) {
	var now atomic.Int64
	now.Store(procs.next.Load()) // due for a refresh
	defer func(c func() int64, g func(int) int) { clock, gomaxprocs = c, g }(clock, gomaxprocs)
	clock = now.Load
	n := 3
	gomaxprocs = func(int) int { return n }
	assert.Equal(t, min(3, runtime.NumCPU()), Processors(), "GOMAXPROCS=3")
	n = 1
	assert.Equal(t, min(3, runtime.NumCPU()), Processors(), "within ProcsRefresh, the last answer")
	now.Add(int64(ProcsRefresh))
	assert.Equal(t, 1, Processors(), "GOMAXPROCS=1")
	assert.False(t, CanSpin(), "GOMAXPROCS=1")
	// The next test sees the real setting again.
	now.Add(int64(ProcsRefresh))
	gomaxprocs = runtime.GOMAXPROCS
	Processors()
}
