package isolate

// The torture test's entry point: TestTorture, its duration flag and its
// watchdog. Its shared state and checks are in torture_helpers_test.go,
// its workers in torture_worker_test.go; other torture tests are in
// torture_*_test.go.
//
// The torture test, in the spirit of liburcu's rcutorture: goroutines of
// three kinds hammer one Isolator with randomized mixes of everything the
// API offers, and every isolated section checks the invariants against
// plain (non-atomic) shared data, so that the race detector reports any
// missing happens-before edge as well as the checks reporting wrong states.
//
//   - workers join, run random nests of scopes (Harmless in Harmless, Idle,
//     Harmless in Idle, Isolate and Harmless and Idle inside their own
//     isolated section, Isolate nested in it), isolate themselves (plain,
//     full, TryIsolate, with contexts that time out, are cancelled
//     explicitly or are cancelled already), Poll, leave (sometimes inside
//     open harmless and idle scopes, ending those scopes afterwards in a
//     random order), and between two memberships isolate as outsiders;
//   - sleepers, enough of them to fill more than one group of 64 slots,
//     sit in idle or harmless scopes and wake up now and then to run;
//   - outsiders isolate themselves in every way, and sometimes release
//     from another goroutine.
//
// What a member may touch while running is plain data written only inside
// isolated sections (gen, words, obj); what an isolated section reads is,
// besides that, every member's plain counter, written by its member while
// running. The checks:
//
//   - torn reads: a running member sees words all equal to gen;
//   - no running member during a section: running counts the members that
//     are between a return to running (Join, a scope end, Poll, a release,
//     a failed isolation) and their next harmless, idle, Poll, Isolate or
//     Leave call, so it may be too low but never too high; it must be 0
//     in every section;
//   - full isolation ⇒ every member idle: holding counts the members that
//     may hold references to obj: those that ran since they last dropped
//     their references (by entering an idle scope, calling IsolateFull or
//     leaving); such a member is running or harmless, never idle, so it
//     must be 0 in every full section. A full section frees obj (a plain write
//     to obj.freed) and a member that held a reference across it would
//     find its object freed;
//   - at most one isolated: isolated counts the goroutines inside
//     sections, and owner (plain) names the one that entered last;
//   - a member's nested harmless or idle scope inside its own isolation
//     lets nobody in;
//   - progress: a watchdog fails the test when no isolation completes for
//     tortureStall, dumping every goroutine.
//
// The default run is short enough for CI; a long soak is
//
//	go test -race -run TestTorture -torture.duration 3m -v
//
// or ISOLATE_TORTURE=3m in the environment.

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

var tortureDuration = flag.Duration("torture.duration", 0,
	"how long TestTorture runs (default 10s, 1s with -short; ISOLATE_TORTURE=duration also sets it)")

// tortureStall is how long the watchdog lets the torture go without a
// completed isolation before it declares a deadlock.
const tortureStall = 20 * time.Second

func tortureTime(t *testing.T) time.Duration {
	if *tortureDuration > 0 {
		return *tortureDuration
	}
	if s := os.Getenv("ISOLATE_TORTURE"); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(t, err, "ISOLATE_TORTURE")
		return d
	}
	if testing.Short() {
		return time.Second
	}
	return 10 * time.Second
}

// watchdog fails the torture when no section ends for tortureStall.
func (tt *torture) watchdog(done <-chan struct{}) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-done:
			return
		case <-tick.C:
		}
		if since := time.Since(time.Unix(0, tt.lastIsolation.Load())); since > tortureStall {
			buf := make([]byte, 16<<20)
			buf = buf[:runtime.Stack(buf, true)]
			fmt.Fprintf(os.Stderr, "torture: no isolation for %v; goroutines:\n%s\n", since, buf)
			panic(fmt.Sprintf("torture: no isolation completed for %v: deadlock or lost wake-up", since))
		}
	}
}

func TestTorture(t *testing.T) {
	d := tortureTime(t)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	nWorkers, nSleepers, nOutsiders := 3+rng.IntN(4), 66+rng.IntN(8), 2
	tt := &torture{t: t, obj: &tortureObj{}}
	tt.counters = make([]tortureCounter, nWorkers+nSleepers+nOutsiders)
	t.Logf("seed %d: %d workers, %d sleepers, %d outsiders, %v", seed, nWorkers, nSleepers, nOutsiders, d)
	tt.lastIsolation.Store(time.Now().UnixNano())
	done := make(chan struct{})
	go tt.watchdog(done)
	defer close(done)

	var wg sync.WaitGroup
	id := 0
	start := func(f func(w *tortureWorker)) {
		w := &tortureWorker{tt: tt, id: id, rng: rand.New(rand.NewPCG(seed, uint64(id)+1))}
		id++
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(w)
		}()
	}
	for range nWorkers {
		start((*tortureWorker).loop)
	}
	for range nSleepers {
		start((*tortureWorker).sleeper)
	}
	for range nOutsiders {
		start(func(w *tortureWorker) {
			for !tt.stop.Load() {
				tt.outsider(w.id, w.rng)
				torturePause(w.rng)
			}
		})
	}
	began := time.Now()
	time.Sleep(d)
	tt.stop.Store(true)
	wg.Wait()
	elapsed := time.Since(began)

	// Every goroutine left: the Isolator is quiet, and usable.
	require.Zero(t, tt.running.Load(), "running members after the end")
	require.Zero(t, tt.holding.Load(), "holding members after the end")
	release, ok := tt.iso.TryIsolate()
	require.True(t, ok, "TryIsolate after every member left")
	release()

	mp, mf := tt.memberPlain.Load(), tt.memberFull.Load()
	op, of := tt.outsiderPlain.Load(), tt.outsiderFull.Load()
	total := mp + mf + op + of
	summary := fmt.Sprintf("torture %v (%s): %d isolations, %.0f/s: plain %d, full %d; member %d (plain %d, full %d), outsider %d (plain %d, full %d); "+
		"try ok %d, try failed %d, nested %d, cancelled %d; joins %d, leaves %d (%d inside open scopes), polls %d, harmless scopes %d, idle scopes %d, sleeper wake-ups %d, remote releases %d; violations %d",
		elapsed.Round(time.Millisecond), raceMode(), total, float64(total)/elapsed.Seconds(), mp+op, mf+of, mp+mf, mp, mf, op+of, op, of,
		tt.tryOK.Load(), tt.tryFailed.Load(), tt.nested.Load(), tt.cancelled.Load(), tt.joins.Load(), tt.leaves.Load(), tt.leftInScope.Load(),
		tt.polls.Load(), tt.harmless.Load(), tt.idle.Load(), tt.sleeperWakes.Load(), tt.remoteReleases.Load(), tt.violations.Load())
	t.Log(summary)
	if testing.Verbose() {
		fmt.Println(summary)
	}
	require.Zero(t, tt.violations.Load(), "violations")
	require.Positive(t, mp, "member plain isolations")
	require.Positive(t, op, "outsider plain isolations")
	require.Positive(t, mf+of, "full isolations")
}

// tortureRace reports whether the test binary was built with -race.
var tortureRace = func() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}()

func raceMode() string {
	if tortureRace {
		return "-race"
	}
	return "no -race"
}
