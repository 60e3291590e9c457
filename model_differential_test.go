package isolate

// Tests against a reference model. A test that compares this package with
// another implementation of the same semantics goes in a model_ file;
// FuzzOps checks against a model of its own (fuzzModel, fuzz_*_test.go),
// and model/ checks the protocol itself with Spin.
//
// Differential tests: the same operation sequences run against this package
// and against internal/seedref, HAProxy's shared-mask rendez-vous point with
// the fixes HAProxy made later. seedref has fixed threads that start
// harmless, harmless scopes that do not nest (except one inside the own
// isolation), plain isolation from running or harmless threads, and
// outsiders as extra thread ids kept harmless. The sequences use only that
// common part: members that join (seedref: a thread starts) and leave
// (seedref: a thread stops, harmless), harmless scopes, plain isolation from
// running and from inside a harmless scope, and outsiders. Full isolation,
// contexts and misuse have no seedref counterpart (FuzzOps covers them).
//
// What is compared:
//
//   - TestDifferentialSequential drives every thread from the test
//     goroutine, one step at a time, so that both implementations are
//     always in the same state. At each step it compares (a) whether an
//     isolation can be had without waiting: this package's TryIsolate
//     against seedref's Isolate, which must return when TryIsolate
//     succeeds, and must still be waiting after a pause when TryIsolate
//     fails because a thread runs (seedref's request is then let through
//     by making the runners harmless, and everything is put back as it
//     was); (b) whether a Join or the end of a harmless scope waits: both
//     must return at once when nobody is isolated, both must block while
//     a thread is isolated, and both must return once it releases; (c) a
//     harmless scope inside the own isolation waits for nobody in both.
//   - TestDifferentialConcurrent runs per-thread scripts (random from a
//     seed) concurrently on both, checking in every isolated section the
//     invariants of the torture test (at most one isolated goroutine, no
//     running member, no torn read, with plain shared data watched by the
//     race detector), that every script completes (the torture watchdog),
//     and compares what the runs must agree on: the number of sections each
//     kind of thread ran, the number of generations of the shared data, and
//     the sum of every member's plain counter, all fixed by the scripts;
//     then both must let an outsider in at once.
//
// Neither timing nor grant order is compared: seedref grants whoever wins a
// race on the mask, this package grants in arrival order.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/isolatekit/isolate/internal/seedref"
	"github.com/stretchr/testify/require"
)

// diffWait is how long a call must stay blocked to count as blocked in the
// sequential test: short, since a slow machine can only make such a check
// pass wrongly, never fail wrongly.
const diffWait = time.Millisecond

// A diffThread is one thread of the sequential test, as both
// implementations see it. A thread that has not joined counts as harmless,
// as seedref's threads do before they start and after they stop.
type diffThread struct {
	m                Member // nil while not joined, and for the outsider
	end              func() // the open harmless scope's end
	harmless         bool
	release          func() // this package's release, if isolated
	isolatedHarmless bool   // isolated from inside a harmless scope (or not joined)
	// mine and theirs are a Join or harmless end that may wait for an
	// isolation to end, in this package and in seedref; joined is what
	// the Join returns.
	mine, theirs *op
	joined       Member
}

func TestDifferentialSequential(t *testing.T) {
	seeds, steps := 6, 150
	if testing.Short() {
		seeds = 2
	}
	var n diffCounts
	for seed := range uint64(seeds) {
		diffSequential(t, seed, steps, &n)
	}
	t.Logf("%d seeds of %d steps: %d isolation attempts (%d without waiting on both), "+
		"%d harmless ends or joins that waited on both, %d harmless scopes inside own isolation",
		seeds, steps, n.tries, n.tryOK, n.blocked, n.nested)
}

type diffCounts struct{ tries, tryOK, blocked, nested int }

func diffSequential(t *testing.T, seed uint64, steps int, n *diffCounts) {
	const members = 4
	outsider := members // its thread id in seedref
	rng := rand.New(rand.NewPCG(seed, 7))
	var iso Isolator
	ref := seedref.New(members + 1)
	th := make([]diffThread, members+1)
	for i := range th {
		th[i].harmless = true // not joined; the outsider stays harmless
	}
	owner := -1
	what := func(format string, args ...any) string {
		return fmt.Sprintf("seed %d: ", seed) + fmt.Sprintf(format, args...)
	}
	// begin starts a Join (d.m == nil) or harmless end of thread i in
	// both, and finish waits for them: both return at once when nobody is
	// isolated; otherwise both wait for the release.
	begin := func(i int) {
		d := &th[i]
		if d.m == (Member{}) {
			d.mine = goOp(func() { d.joined = iso.Join() })
		} else {
			d.mine = goOp(d.end)
		}
		d.theirs = goOp(func() { ref.HarmlessEnd(i) })
		if owner >= 0 {
			time.Sleep(diffWait)
			require.False(t, d.mine.finished(), what("Join or harmless end of %d returned during the isolation of %d", i, owner))
			require.False(t, d.theirs.finished(), what("seedref start or harmless end of %d returned during the isolation of %d", i, owner))
			n.blocked++
		}
	}
	finish := func(i int) {
		d := &th[i]
		d.mine.wait(t, what("Join or harmless end of %d", i))
		d.theirs.wait(t, what("seedref start or harmless end of %d", i))
		if d.joined != (Member{}) {
			d.m, d.joined = d.joined, Member{}
		}
		d.mine, d.theirs, d.harmless = nil, nil, false
	}
	var blocked []int // threads whose resume waits for the release

	for range steps {
		i := rng.IntN(members + 1)
		d := &th[i]
		switch {
		case slices.Contains(blocked, i):
			continue
		case owner == i && i != outsider && rng.IntN(3) == 0:
			// A harmless scope inside the own isolation waits for
			// nobody (HAProxy a9a9e9aac) in both.
			n.nested++
			goOp(func() { d.m.Harmless().End() }).wait(t, what("harmless scope of %d inside its isolation", i))
			goOp(func() { ref.HarmlessNow(i); ref.HarmlessEnd(i) }).wait(t, what("seedref harmless scope of %d inside its isolation", i))
		case owner == i:
			// Release: neither waits (seedref's would for pending
			// requests, and there are none); the threads it held
			// back return in both.
			theirs := goOp(func() {
				if d.isolatedHarmless {
					ref.ReleaseHarmless(i)
				} else {
					ref.Release(i)
				}
			})
			d.release()
			theirs.wait(t, what("seedref release by %d", i))
			d.release, owner = nil, -1
			for _, k := range blocked {
				finish(k)
			}
			blocked = blocked[:0]
		case i == outsider:
			n.tries++
			if diffTry(t, &iso, ref, th, i, owner, what) {
				n.tryOK++
				owner = i
			}
		case d.m != (Member{}) && rng.IntN(16) == 0:
			// Leave, inside its harmless scope if one is open; a
			// seedref thread that stops is harmless.
			d.m.Leave()
			if !d.harmless {
				ref.HarmlessNow(i)
			}
			d.m, d.harmless = Member{}, true
		case d.m == (Member{}) || (d.harmless && rng.IntN(3) == 0):
			begin(i)
			if owner >= 0 {
				blocked = append(blocked, i) // finished by the release
				continue
			}
			finish(i)
		case !d.harmless && rng.IntN(4) > 0:
			d.end = d.m.Harmless().End
			ref.HarmlessNow(i)
			d.harmless = true
		default:
			n.tries++
			if diffTry(t, &iso, ref, th, i, owner, what) {
				n.tryOK++
				owner = i
			}
		}
	}

	// Back to rest: release, leave; then both let an outsider in.
	if owner >= 0 {
		d := &th[owner]
		d.release()
		if d.isolatedHarmless {
			ref.ReleaseHarmless(owner)
		} else {
			ref.Release(owner)
		}
		for _, k := range blocked {
			finish(k)
		}
	}
	for k := range th[:members] {
		if e := &th[k]; e.m != (Member{}) {
			e.m.Leave() // inside its harmless scope, if open
			if !e.harmless {
				ref.HarmlessNow(k)
			}
		}
	}
	release, ok := iso.TryIsolate()
	require.True(t, ok, what("TryIsolate after every member left"))
	release()
	goOp(func() { ref.Isolate(outsider); ref.ReleaseHarmless(outsider) }).wait(t, what("seedref outsider at the end"))
}

// diffTry has thread i (outsider: i == len(th)-1) try to isolate itself in
// both implementations, compares the outcomes, and reports whether it is
// now isolated in both.
func diffTry(t *testing.T, iso *Isolator, ref *seedref.Rendezvous, th []diffThread, i, owner int, what func(string, ...any) string) bool {
	d := &th[i]
	var release func()
	var ok bool
	if d.m != (Member{}) {
		release, ok = d.m.TryIsolate()
	} else {
		release, ok = iso.TryIsolate()
	}
	if owner >= 0 {
		// seedref's Isolate would wait for the owner's release.
		require.False(t, ok, what("TryIsolate of %d succeeds during the isolation of %d", i, owner))
		return false
	}
	theirs := goOp(func() { ref.Isolate(i) })
	if ok {
		theirs.wait(t, what("TryIsolate of %d succeeds, but seedref's Isolate waits", i))
		d.release, d.isolatedHarmless = release, d.harmless
		return true
	}
	time.Sleep(diffWait)
	require.False(t, theirs.finished(), what("TryIsolate of %d fails with nobody isolated, but seedref's Isolate returns", i))
	// Let seedref's request through: every running thread becomes
	// harmless; then put everything back.
	var runners []int
	for k := range th[:len(th)-1] {
		if k != i && !th[k].harmless {
			runners = append(runners, k)
			ref.HarmlessNow(k)
		}
	}
	require.NotEmpty(t, runners, what("TryIsolate of %d fails, but every other thread is harmless", i))
	theirs.wait(t, what("seedref Isolate of %d once the others are harmless", i))
	if d.harmless {
		ref.ReleaseHarmless(i)
	} else {
		ref.Release(i)
	}
	for _, k := range runners {
		ref.HarmlessEnd(k)
	}
	return false
}

// diffImpl is what the concurrent test needs of an implementation.
type diffImpl interface {
	start(i int)                                       // member i begins to run
	stop(i int)                                        // member i is done
	harmless(i int) (end func())                       // a harmless scope
	isolate(i int, fromHarmless bool) (release func()) // member i isolates
	outsider(j int) (release func())                   // outsider j isolates
}

type diffIsolate struct {
	iso     Isolator
	members []Member
}

func (x *diffIsolate) start(i int)                  { x.members[i] = x.iso.Join() }
func (x *diffIsolate) stop(i int)                   { x.members[i].Leave() }
func (x *diffIsolate) harmless(i int) func()        { return x.members[i].Harmless().End }
func (x *diffIsolate) isolate(i int, _ bool) func() { return x.members[i].Isolate() }
func (x *diffIsolate) outsider(int) func()          { return x.iso.Isolate() }

type diffSeedref struct {
	r       *seedref.Rendezvous
	members int
}

func (x *diffSeedref) start(i int) { x.r.HarmlessEnd(i) }
func (x *diffSeedref) stop(i int)  { x.r.HarmlessNow(i) }
func (x *diffSeedref) harmless(i int) func() {
	x.r.HarmlessNow(i)
	return func() { x.r.HarmlessEnd(i) }
}

func (x *diffSeedref) isolate(i int, fromHarmless bool) func() {
	x.r.Isolate(i)
	if fromHarmless {
		return func() { x.r.ReleaseHarmless(i) }
	}
	return func() { x.r.Release(i) }
}

func (x *diffSeedref) outsider(j int) func() {
	id := x.members + j
	x.r.Isolate(id)
	return func() { x.r.ReleaseHarmless(id) }
}

// Script steps of a member in the concurrent test.
const (
	dsWork        = iota // use the shared data while running
	dsHarmless           // a harmless scope, with a pause inside
	dsIsolate            // isolate from running; a section
	dsHarmlessIso        // isolate from inside a harmless scope
	dsSteps
)

// diffScripts returns each member's steps and each outsider's number of
// isolations, from seed.
func diffScripts(seed uint64, members, outsiders, steps int) ([][]int, []int) {
	rng := rand.New(rand.NewPCG(seed, 11))
	scripts := make([][]int, members)
	for i := range scripts {
		for range steps {
			scripts[i] = append(scripts[i], rng.IntN(dsSteps))
		}
	}
	isolations := make([]int, outsiders)
	for j := range isolations {
		isolations[j] = steps / 4
	}
	return scripts, isolations
}

// diffResult is what a concurrent run must agree on with the other.
type diffResult struct {
	memberSections, outsiderSections int
	gens                             int
	counters                         uint64
}

// diffRun runs the scripts on impl, checks the invariants, and returns what
// must agree.
func diffRun(t *testing.T, name string, impl diffImpl, scripts [][]int, isolations []int) diffResult {
	tt := &torture{t: t, obj: &tortureObj{}}
	tt.counters = make([]tortureCounter, len(scripts)+len(isolations))
	var res diffResult
	var mu sync.Mutex
	var wg sync.WaitGroup
	tt.lastIsolation.Store(time.Now().UnixNano())
	done := make(chan struct{})
	go tt.watchdog(done)
	for i, script := range scripts {
		w := &tortureWorker{tt: tt, id: i, rng: rand.New(rand.NewPCG(uint64(i), 3))}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sections := 0
			impl.start(i)
			w.resumeRunning()
			for _, s := range script {
				switch s {
				case dsWork:
					w.useShared()
				case dsHarmless, dsHarmlessIso:
					w.setRunning(false)
					end := impl.harmless(i)
					torturePause(w.rng)
					if s == dsHarmlessIso {
						release := impl.isolate(i, true)
						tt.enterSection(i, false)
						tt.leaveSection(i)
						release()
						sections++
					}
					end()
					w.resumeRunning()
				case dsIsolate:
					w.setRunning(false)
					release := impl.isolate(i, false)
					tt.enterSection(i, false)
					torturePause(w.rng)
					tt.inSection(i, false, true)
					tt.leaveSection(i)
					release()
					sections++
					w.resumeRunning()
				}
			}
			w.setRunning(false)
			w.setHolding(false)
			impl.stop(i)
			mu.Lock()
			res.memberSections += sections
			mu.Unlock()
		}()
	}
	for j, n := range isolations {
		id := len(scripts) + j
		rng := rand.New(rand.NewPCG(uint64(id), 3))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n {
				release := impl.outsider(j)
				tt.enterSection(id, false)
				tt.leaveSection(id)
				release()
				mu.Lock()
				res.outsiderSections++
				mu.Unlock()
				torturePause(rng)
			}
		}()
	}
	wg.Wait()
	close(done)
	require.Zero(t, tt.violations.Load(), "%s: violations", name)
	res.gens = tt.gen
	for i := range tt.counters {
		res.counters += tt.counters[i].ops
	}
	return res
}

func TestDifferentialConcurrent(t *testing.T) {
	const members, outsiders = 4, 2
	steps, seeds := 1000, 4
	if testing.Short() {
		steps, seeds = 100, 1
	}
	for seed := range uint64(seeds) {
		scripts, isolations := diffScripts(seed, members, outsiders, steps)
		x := &diffIsolate{members: make([]Member, members)}
		mine := diffRun(t, "isolate", x, scripts, isolations)
		r := &diffSeedref{r: seedref.New(members + outsiders), members: members}
		theirs := diffRun(t, "seedref", r, scripts, isolations)
		require.Equal(t, theirs, mine, "seed %d: isolate and seedref disagree", seed)

		// Final state: both let an outsider in without waiting.
		release, ok := x.iso.TryIsolate()
		require.True(t, ok, "seed %d: TryIsolate after the run", seed)
		release()
		goOp(func() { r.outsider(0)() }).wait(t, fmt.Sprintf("seed %d: seedref outsider after the run", seed))
		t.Logf("seed %d: both ran %d member and %d outsider sections, %d generations, counters %d",
			seed, mine.memberSections, mine.outsiderSections, mine.gens, mine.counters)
	}
}
