package spin

import (
	"runtime"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate/arch"
)

// The limits of a [Backoff]. See the package documentation for how they
// were chosen.
const (
	// SpinLimit is the last step at which Backoff spins. Spinning rounds
	// issue 1, 2, 4, ..., 1<<SpinLimit hints, so the spin phase of Snooze
	// issues 2<<SpinLimit - 1 hints in all, and no single round of Spin or
	// Snooze issues more than 1<<SpinLimit.
	SpinLimit = 6

	// YieldLimit is the last step at which Snooze waits (by yielding the
	// processor); from step YieldLimit+1 on, the Backoff is completed.
	// Snooze therefore yields YieldLimit-SpinLimit times.
	YieldLimit = 10
)

// Test hooks: the actions of a Backoff.
var (
	pauseN = arch.PauseN
	yield  = runtime.Gosched
)

// Backoff paces a goroutine that waits for a condition another goroutine
// will establish: it spins at first, with exponentially longer rounds,
// then yields the processor, and then tells the caller to stop and block.
//
// The zero value is ready to use and starts from the first, shortest
// round. A Backoff does not allocate. It holds the state of one waiter and
// must not be used by several goroutines at once; declare it in the
// function that waits, and call Reset (or declare a new one) to start a
// new wait.
//
// A Backoff counts steps. Each call to Spin or Snooze takes one step; at
// step s (counting from zero):
//
//   - s <= SpinLimit: Spin and Snooze issue 1<<s spin-wait hints.
//   - SpinLimit < s <= YieldLimit: Spin issues 1<<SpinLimit hints and
//     stays at step SpinLimit+1; Snooze calls [runtime.Gosched].
//   - s > YieldLimit: the Backoff is completed. Snooze does nothing and
//     reports false.
//
// Spin never takes a Backoff past step SpinLimit+1, so it never completes
// one.
type Backoff struct {
	step uint32
}

// Spin waits one round by spinning only: it issues 1<<min(Step, SpinLimit)
// spin-wait hints and never yields the processor. Use Spin to back off
// between retries of an atomic operation that failed because of
// contention, where the other party is already running and yielding
// would not help it.
func (b *Backoff) Spin() {
	pauseN(1 << min(b.step, SpinLimit))
	if b.step <= SpinLimit {
		b.step++
	}
}

// Snooze waits one round while the condition the caller polls is not yet
// true: it spins while Step <= SpinLimit, and yields the processor while
// Step <= YieldLimit. It reports whether it waited. Once it reports false,
// the Backoff is completed: Snooze no longer waits, and the caller should
// block (on a channel, a sync.Cond, a semaphore) until woken.
//
// A typical loop:
//
//	var b spin.Backoff
//	for !ready() {
//		if !b.Snooze() {
//			park() // block until ready, as if no spinning had happened
//			break
//		}
//	}
//
// Snooze returns true YieldLimit+1 times after a Reset.
func (b *Backoff) Snooze() bool {
	switch {
	case b.step <= SpinLimit:
		pauseN(1 << b.step)
	case b.step <= YieldLimit:
		yield()
	default:
		return false
	}
	b.step++
	return true
}

// Completed reports whether the waiter should stop polling and block:
// whether Snooze has taken the Backoff past step YieldLimit.
func (b *Backoff) Completed() bool {
	return b.step > YieldLimit
}

// Reset returns b to the zero value, to start a new wait with the shortest
// round.
func (b *Backoff) Reset() {
	b.step = 0
}

// Step returns the number of the next step: how many rounds of Spin and
// Snooze b has taken since it was reset, except that Spin does not count
// past SpinLimit+1. It is meant for tests and diagnostics, for instance to
// record how long waits lasted.
func (b *Backoff) Step() uint32 {
	return b.step
}

// CanSpin reports whether spinning can shorten a wait at all: whether more
// than one processor may run goroutines at once. When it reports false,
// the goroutine a waiter waits for cannot run while the waiter spins, so
// the waiter should skip the Backoff and block at once. (Unlike the
// runtime's test for sync.Mutex, CanSpin cannot see whether the other
// processors are busy.)
//
// CanSpin takes no lock. The setting it depends on, GOMAXPROCS, can change
// while the program runs (any package may set it, and since Go 1.25 the
// runtime may follow changes of the container's CPU limit), but asking the
// runtime for it takes the scheduler's global lock. So CanSpin asks at most
// once per [ProcsRefresh] and answers from the last answer in between: a
// change is seen within that time.
func CanSpin() bool {
	return Processors() > 1
}

// Processors returns how many goroutines may run at once: the smaller of
// GOMAXPROCS and the number of processors, as CanSpin sees it (asked at
// most once per [ProcsRefresh]). A waiter that waits for more running
// goroutines than there are other processors waits for some that are not
// running, which its spinning keeps from a processor.
func Processors() int {
	if now := clock(); now >= procs.next.Load() {
		refreshProcs(now)
	}
	return int(procs.n.Load())
}

// ProcsRefresh is how often CanSpin asks the runtime for GOMAXPROCS, at most.
const ProcsRefresh = 100 * time.Millisecond

// procs caches whether more than one processor may run goroutines: n is
// min(NumCPU, GOMAXPROCS) when it was asked, next the clock() time from
// which it is asked again.
var procs struct {
	n    atomic.Int32
	next atomic.Int64
}

// refreshProcs asks the runtime for GOMAXPROCS, if no other goroutine is
// about to: one caller in each ProcsRefresh pays for the lock.
func refreshProcs(now int64) {
	next := procs.next.Load()
	if now < next || !procs.next.CompareAndSwap(next, now+int64(ProcsRefresh)) {
		return
	}
	procs.n.Store(int32(min(runtime.NumCPU(), gomaxprocs(0))))
}

// epoch is the origin of clock.
var epoch = time.Now()

// Test hooks: the monotonic clock, in nanoseconds since epoch, and the
// runtime's GOMAXPROCS.
var (
	clock      = func() int64 { return int64(time.Since(epoch)) }
	gomaxprocs = runtime.GOMAXPROCS
)
