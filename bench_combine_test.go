package isolate

// Benchmarks of Do (combining): write-heavy loads with a write per
// isolation, writes combined, and the mutexes.

import (
	"fmt"
	"sync"
	"testing"

	"github.com/isolatekit/isolate/internal/cputime"
)

// BenchmarkWriteHeavy: g goroutines share a map and do short writes to it,
// b.N writes in all, with work steps of local computation (running, not in
// a harmless scope) before each (work=0: nothing but writes). The peers: a
// write per isolation (Member.Isolate, and Member.IsolateScope, which
// allocates no release func), writes combined (Member.Do), and
// sync.RWMutex's and sync.Mutex's Lock. The goroutines are members for the
// isolate variants. ns/op is per write, across all goroutines; cpu-ns/op
// the process's processor time per write (where the system tells it);
// sched-samples/op the sampled goroutine schedulings per write (see
// schedulings): parks and wake-ups, the cost that separates a lock whose
// running goroutine takes it again from one that hands it over.
func BenchmarkWriteHeavy(b *testing.B) {
	for _, work := range []int{0, 500} {
		for _, g := range []int{16, 64} {
			for _, v := range writeVariants {
				b.Run(fmt.Sprintf("work=%d/g=%d/impl=%s", work, g, v.name), func(b *testing.B) {
					benchWrites(b, g, work, v.write)
				})
			}
		}
	}
}

// A writeVariant makes the write func of one goroutine: it writes
// table[k] = v under its exclusion.
type writeVariant struct {
	name string
	// setup returns the goroutine's write func and its cleanup.
	write func(env *writeEnv) (write func(k, v int), done func())
}

// writeEnv is what the goroutines of one benchmark share.
type writeEnv struct {
	table map[int]int
	iso   Isolator
	rw    sync.RWMutex
	mu    sync.Mutex
}

var writeVariants = []writeVariant{
	{"isolate", func(e *writeEnv) (func(k, v int), func()) {
		m := e.iso.Join()
		return func(k, v int) {
			release := m.Isolate()
			e.table[k] = v
			release()
		}, m.Leave
	}},
	{"isolate-scope", func(e *writeEnv) (func(k, v int), func()) {
		m := e.iso.Join()
		return func(k, v int) {
			sc := m.IsolateScope()
			e.table[k] = v
			sc.End()
		}, m.Leave
	}},
	{"do", func(e *writeEnv) (func(k, v int), func()) {
		m := e.iso.Join()
		var key, val int
		set := func() { e.table[key] = val }
		return func(k, v int) {
			key, val = k, v
			m.Do(set)
		}, m.Leave
	}},
	{"rwmutex", func(e *writeEnv) (func(k, v int), func()) {
		return func(k, v int) {
			e.rw.Lock()
			e.table[k] = v
			e.rw.Unlock()
		}, func() {}
	}},
	{"mutex", func(e *writeEnv) (func(k, v int), func()) {
		return func(k, v int) {
			e.mu.Lock()
			e.table[k] = v
			e.mu.Unlock()
		}, func() {}
	}},
}

// benchWrites runs b.N writes on g goroutines, each with the write func of
// variant, after work steps of computation each.
func benchWrites(b *testing.B, g, work int, variant func(*writeEnv) (func(k, v int), func())) {
	const keys = 1024
	env := &writeEnv{table: make(map[int]int, keys)}
	for k := range keys {
		env.table[k] = 0
	}
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	ready.Add(g)
	done.Add(g)
	b.ReportAllocs()
	for i := range g {
		n := b.N / g
		if i < b.N%g {
			n++
		}
		go func() {
			defer done.Done()
			write, leave := variant(env)
			defer leave()
			ready.Done()
			<-start
			k := i * 7919
			for j := range n {
				for range work {
					k = k*1103515245 + 12345
				}
				k = (k*1103515245 + 12345) & (keys - 1)
				write(k, j)
			}
		}()
	}
	ready.Wait()
	b.ResetTimer()
	cpu0, cpuOK := cputime.Process()
	sched0 := schedulings()
	close(start)
	done.Wait()
	b.ReportMetric(float64(schedulings()-sched0)/float64(b.N), "sched-samples/op")
	if cpu1, _ := cputime.Process(); cpuOK {
		b.ReportMetric(float64(cpu1-cpu0)/float64(b.N), "cpu-ns/op")
	}
}
