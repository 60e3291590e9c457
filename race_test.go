package isolate

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

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

// tortureObj is an object that members may hold across harmless scopes but
// not across idle ones; a full isolation frees it.
type tortureObj struct {
	gen   int
	freed bool
}

// tortureCounter is one actor's plain counter, on a line of its own.
type tortureCounter struct {
	ops uint64
	_   [56]byte
}

type torture struct {
	t    *testing.T
	iso  Isolator
	stop atomic.Bool

	// Plain shared data: written only inside isolated sections, read by
	// running members.
	gen   int
	words [8]int
	obj   *tortureObj
	// owner is the id of the goroutine in the section (plain).
	owner int
	// sumOps is the sum of counters seen by the last section (plain).
	sumOps uint64
	// counters are written by each member while it runs (plain), read by
	// sections.
	counters []tortureCounter

	running  atomic.Int32 // members running (see the checks above)
	holding  atomic.Int32 // members that may hold obj (not idle)
	isolated atomic.Int32 // goroutines inside a section

	lastIsolation atomic.Int64 // UnixNano of the last section's end
	violations    atomic.Int64

	// Statistics.
	memberPlain, memberFull, outsiderPlain, outsiderFull atomic.Int64
	tryOK, tryFailed, nested, cancelled, joins, leaves   atomic.Int64
	leftInScope, polls, harmless, idle, sleeperWakes     atomic.Int64
	remoteReleases                                       atomic.Int64
}

func (tt *torture) violation(format string, args ...any) {
	if tt.violations.Add(1) <= 20 {
		tt.t.Errorf("violation: "+format, args...)
	}
}

// enterSection starts an isolated section of the goroutine id.
func (tt *torture) enterSection(id int, full bool) {
	if n := tt.isolated.Add(1); n != 1 {
		tt.violation("%d goroutines isolated at once (entering: %d)", n, id)
	}
	if n := tt.running.Load(); n != 0 {
		tt.violation("isolated section of %d begins with %d running members", id, n)
	}
	if full {
		if n := tt.holding.Load(); n != 0 {
			tt.violation("full isolated section of %d begins with %d members not idle", id, n)
		}
	}
	tt.owner = id
	tt.mutate(id, full)
}

// inSection checks and changes the shared data inside the section of id.
func (tt *torture) inSection(id int, full, write bool) {
	if n := tt.isolated.Load(); n != 1 {
		tt.violation("%d goroutines isolated inside the section of %d", n, id)
	}
	if n := tt.running.Load(); n != 0 {
		tt.violation("%d running members inside the section of %d", n, id)
	}
	if tt.owner != id {
		tt.violation("section of %d: owner is %d", id, tt.owner)
	}
	if write {
		tt.mutate(id, full)
	}
}

// mutate is the body of an isolated section: it reads what running
// members wrote and writes what they read.
func (tt *torture) mutate(id int, full bool) {
	for i, w := range tt.words {
		if w != tt.gen {
			tt.violation("section of %d: words[%d] = %d, gen %d", id, i, w, tt.gen)
		}
	}
	tt.gen++
	for i := range tt.words {
		tt.words[i] = tt.gen
		if i == len(tt.words)/2 && tt.gen%16 == 0 {
			runtime.Gosched() // a running member would now see torn words
		}
	}
	var sum uint64
	for i := range tt.counters {
		sum += tt.counters[i].ops
	}
	if sum < tt.sumOps {
		tt.violation("section of %d: member counters went back: %d < %d", id, sum, tt.sumOps)
	}
	tt.sumOps = sum
	if full {
		tt.obj.freed = true
		tt.obj = &tortureObj{gen: tt.gen}
	}
}

func (tt *torture) leaveSection(id int) {
	tt.inSection(id, false, false)
	tt.lastIsolation.Store(time.Now().UnixNano())
	if n := tt.isolated.Add(-1); n != 0 {
		tt.violation("%d goroutines isolated when %d leaves its section", n+1, id)
	}
}

// checkCtxErr checks what an abandoned IsolateContext returned.
func (tt *torture) checkCtxErr(ctx context.Context, release func(), err error) {
	tt.cancelled.Add(1)
	if release != nil {
		tt.violation("IsolateContext returned a release with error %v", err)
	}
	if !errors.Is(err, ctx.Err()) || !strings.HasPrefix(err.Error(), "isolate: ") {
		tt.violation("IsolateContext error %q does not wrap %v", err, ctx.Err())
	}
}

// tortureCtx returns a context for IsolateContext that is cancelled
// already, times out shortly, or is cancelled explicitly a little later.
func tortureCtx(rng *rand.Rand) (context.Context, func()) {
	switch rng.IntN(8) {
	case 0:
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		return ctx, cancel
	case 1, 2, 3:
		return context.WithTimeout(context.Background(), time.Duration(rng.IntN(300))*time.Microsecond)
	default:
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(time.Duration(rng.IntN(300))*time.Microsecond, cancel)
		return ctx, func() { timer.Stop(); cancel() }
	}
}

// torturePause lets other goroutines run, sometimes for a while.
func torturePause(rng *rand.Rand) {
	switch rng.IntN(16) {
	case 0:
		time.Sleep(time.Duration(rng.IntN(50)) * time.Microsecond)
	case 1, 2, 3, 4:
		runtime.Gosched()
	}
}

// isolateForms is what Isolator and Member have in common: the ways to
// isolate oneself.
type isolateForms interface {
	Isolate() func()
	IsolateFull() func()
	IsolateContext(context.Context) (func(), error)
	IsolateFullContext(context.Context) (func(), error)
	TryIsolate() (func(), bool)
}

// randomIsolate isolates through x in a random way, full or not (TryIsolate
// is never full). It returns nil if it gave up (TryIsolate failed, or the
// context ended), after checking and counting that.
func (tt *torture) randomIsolate(x isolateForms, rng *rand.Rand, full bool) (release func(), isFull bool) {
	switch r := rng.IntN(10); {
	case r < 4:
		if full {
			return x.IsolateFull(), true
		}
		return x.Isolate(), false
	case r < 7:
		ctx, cancel := tortureCtx(rng)
		defer cancel()
		var err error
		if full {
			release, err = x.IsolateFullContext(ctx)
		} else {
			release, err = x.IsolateContext(ctx)
		}
		if err != nil {
			tt.checkCtxErr(ctx, release, err)
			return nil, false
		}
		return release, full
	default:
		release, ok := x.TryIsolate()
		if !ok {
			tt.tryFailed.Add(1)
			return nil, false
		}
		tt.tryOK.Add(1)
		return release, false
	}
}

// An outsider isolates itself in a random way and runs a section.
func (tt *torture) outsider(id int, rng *rand.Rand) {
	release, full := tt.randomIsolate(&tt.iso, rng, rng.IntN(4) == 0)
	if release == nil {
		return
	}
	if full {
		tt.outsiderFull.Add(1)
	} else {
		tt.outsiderPlain.Add(1)
	}
	tt.enterSection(id, full)
	for range rng.IntN(3) {
		torturePause(rng)
		tt.inSection(id, full, true)
	}
	tt.leaveSection(id)
	if rng.IntN(8) == 0 {
		// An outsider's release may be called from any goroutine.
		tt.remoteReleases.Add(1)
		done := make(chan struct{})
		go func() { release(); close(done) }()
		<-done
		return
	}
	release()
}

// A tortureWorker is a member (between memberships an outsider) that runs
// random nests of scopes. Its fields are its own; running and holding
// mirror its contribution to the torture's counts.
type tortureWorker struct {
	tt  *torture
	id  int
	rng *rand.Rand
	m   *Member
	ref *tortureObj
	// mode is the member's state as its scopes make it.
	mode uint32
	// own is set while the member holds its own isolation; ownFull
	// tells its kind.
	own, ownFull bool
	// running and holding are what the worker adds to tt.running and
	// tt.holding.
	running, holding bool
	// left is set once the member left inside open scopes, whose end
	// funcs are collected in leftEnds.
	left     bool
	leftEnds []func()
	lastGen  int
}

// tortureCount sets the worker's flag *f to b, and the count n with it.
func tortureCount(f *bool, n *atomic.Int32, b bool) {
	switch {
	case b && !*f:
		n.Add(1)
	case !b && *f:
		n.Add(-1)
	}
	*f = b
}

func (w *tortureWorker) setRunning(b bool) {
	tortureCount(&w.running, &w.tt.running, b)
}

func (w *tortureWorker) setHolding(b bool) {
	if !b {
		w.ref = nil // a member that is not holding drops its references
	}
	tortureCount(&w.holding, &w.tt.holding, b)
}

// resumeRunning counts the member running again: it may now take
// references, so it counts as holding too. (A member that dropped its
// references stays counted as not holding until it runs: harmless, it takes
// none.)
func (w *tortureWorker) resumeRunning() {
	w.setHolding(true)
	w.setRunning(true)
}

// useShared is what a running member does with the shared data.
func (w *tortureWorker) useShared() {
	tt := w.tt
	g := tt.gen
	for i, v := range tt.words {
		if v != g {
			tt.violation("member %d reads torn data: words[%d] = %d, gen %d", w.id, i, v, g)
		}
	}
	if g < w.lastGen {
		tt.violation("member %d sees gen go back: %d after %d", w.id, g, w.lastGen)
	}
	w.lastGen = g
	if w.ref == nil {
		w.ref = tt.obj
	} else if w.ref.freed {
		tt.violation("member %d holds object %d that a full isolation freed", w.id, w.ref.gen)
		w.ref = nil
	}
	tt.counters[w.id].ops++
}

// work does what the member's current state allows.
func (w *tortureWorker) work() {
	switch {
	case w.own:
		w.tt.inSection(w.id, w.ownFull, w.mode == stateRunning)
	case w.mode == stateRunning:
		w.useShared()
	default:
		torturePause(w.rng) // harmless or idle: touch nothing, maybe block
	}
}

func (w *tortureWorker) ops(depth, n int) {
	for range n {
		if w.left || w.tt.stop.Load() {
			return
		}
		w.op(depth)
	}
}

func (w *tortureWorker) op(depth int) {
	nest := depth < 4
	switch r := w.rng.IntN(100); {
	case r < 30 || !nest:
		w.work()
	case r < 50:
		w.scope(depth, false)
	case r < 60:
		w.scope(depth, true)
	case r < 78:
		w.isolate(depth)
	case r < 88:
		w.poll()
	case r < 90:
		if depth > 0 && !w.own && w.mode != stateRunning {
			w.leaveInScope()
		}
	default:
		w.work()
	}
}

// scope runs a few ops inside a harmless or idle scope.
func (w *tortureWorker) scope(depth int, idle bool) {
	if idle && w.mode == stateHarmless {
		return // Idle inside Harmless panics
	}
	prev := w.mode
	wasRunning := w.running
	w.setRunning(false)
	var end func()
	if idle {
		w.tt.idle.Add(1)
		if !w.own {
			w.setHolding(false)
		}
		end = w.m.Idle()
		w.mode = stateIdle
	} else {
		w.tt.harmless.Add(1)
		end = w.m.Harmless()
		if w.mode == stateRunning {
			w.mode = stateHarmless
		}
	}
	w.ops(depth+1, w.rng.IntN(4))
	if w.left {
		w.leftEnds = append(w.leftEnds, end)
		return
	}
	end()
	w.mode = prev
	if wasRunning {
		w.resumeRunning()
	}
	if w.own {
		w.tt.inSection(w.id, w.ownFull, false) // nobody came in meanwhile
	}
}

func (w *tortureWorker) poll() {
	w.tt.polls.Add(1)
	wasRunning := w.running
	w.setRunning(false) // Poll may let an isolation run
	w.m.Poll()
	w.setRunning(wasRunning)
}

func (w *tortureWorker) isolate(depth int) {
	tt, rng := w.tt, w.rng
	full := rng.IntN(4) == 0
	if w.own {
		// Nested in the member's own isolation: returns at once.
		var release func()
		switch {
		case full && w.ownFull:
			release = w.m.IsolateFull()
		case rng.IntN(2) == 0:
			var ok bool
			if release, ok = w.m.TryIsolate(); !ok {
				tt.violation("member %d: nested TryIsolate failed", w.id)
				return
			}
		default:
			release = w.m.Isolate()
		}
		tt.nested.Add(1)
		if !w.m.Isolated() {
			tt.violation("member %d: not Isolated inside its own isolation", w.id)
		}
		w.ops(depth+1, rng.IntN(3))
		release()
		return
	}
	wasRunning := w.running
	w.setRunning(false)
	if full {
		w.setHolding(false) // an IsolateFull caller holds no references
	}
	release, full := tt.randomIsolate(w.m, rng, full)
	if release == nil {
		if wasRunning {
			w.resumeRunning()
		}
		return
	}
	if full {
		tt.memberFull.Add(1)
	} else {
		tt.memberPlain.Add(1)
	}
	w.own, w.ownFull = true, full
	tt.enterSection(w.id, full)
	if !w.m.Isolated() {
		tt.violation("member %d: not Isolated in its section", w.id)
	}
	w.ops(depth+1, rng.IntN(4))
	tt.leaveSection(w.id)
	w.own, w.ownFull = false, false
	release()
	if w.m.Isolated() {
		tt.violation("member %d: still Isolated after release", w.id)
	}
	if wasRunning {
		w.resumeRunning()
	}
}

// leaveInScope leaves while harmless or idle scopes are open; their end
// funcs, called later in a random order, must do nothing.
func (w *tortureWorker) leaveInScope() {
	w.tt.leftInScope.Add(1)
	w.setRunning(false)
	w.setHolding(false)
	w.m.Leave()
	w.left = true
}

func (w *tortureWorker) loop() {
	tt, rng := w.tt, w.rng
	for !tt.stop.Load() {
		for range rng.IntN(3) {
			tt.outsider(w.id, rng) // not a member now: an outsider
		}
		w.m = tt.iso.Join()
		tt.joins.Add(1)
		w.mode, w.left, w.leftEnds = stateRunning, false, w.leftEnds[:0]
		w.setHolding(true)
		w.setRunning(true)
		w.useShared()
		w.ops(0, 1+rng.IntN(60))
		if w.left {
			rng.Shuffle(len(w.leftEnds), func(i, j int) {
				w.leftEnds[i], w.leftEnds[j] = w.leftEnds[j], w.leftEnds[i]
			})
			for _, end := range w.leftEnds {
				end() // ended by Leave already: a no-op
			}
		} else {
			w.setRunning(false)
			w.setHolding(false)
			w.m.Leave()
		}
		tt.leaves.Add(1)
		w.m = nil
	}
}

// sleeper is a member that spends most of its time idle or harmless.
func (w *tortureWorker) sleeper() {
	tt, rng := w.tt, w.rng
	for !tt.stop.Load() {
		w.m = tt.iso.Join()
		w.setHolding(true)
		w.setRunning(true)
		for n := 1 + rng.IntN(40); n > 0 && !tt.stop.Load(); n-- {
			w.useShared()
			w.setRunning(false)
			// Mostly idle, which even a full isolation lets through;
			// sometimes harmless, which holds a full one back.
			if rng.IntN(8) == 0 {
				end := w.m.Harmless()
				time.Sleep(time.Duration(rng.IntN(1000)) * time.Microsecond)
				end()
			} else {
				w.setHolding(false)
				end := w.m.Idle()
				time.Sleep(time.Duration(1+rng.IntN(10)) * time.Millisecond)
				end()
			}
			tt.sleeperWakes.Add(1)
			w.setHolding(true)
			w.setRunning(true)
		}
		w.setRunning(false)
		w.setHolding(false)
		w.m.Leave()
	}
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
