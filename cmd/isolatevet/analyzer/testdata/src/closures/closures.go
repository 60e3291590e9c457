// Func literals held in a local variable and called in place.
package closures

import (
	"sync"

	"github.com/isolatekit/isolate"
)

func flushRunning(m isolate.Member, out chan []int, batch []int) {
	flush := func() { out <- batch }
	flush() // want `flush may block \(send on out at closures.go:\d+\), called while m runs`
	sc := m.Harmless()
	flush()
	sc.End()
}

func throughCallee(m isolate.Member, wg *sync.WaitGroup) {
	wait := func() { waitAll(wg) }
	wait() // want `wait may block \(waitAll → wg.Wait at closures.go:\d+\), called while m runs`
}

func waitAll(wg *sync.WaitGroup) { wg.Wait() } // want waitAll:"mayBlock"

// A literal that opens its own scope is checked inside.
func ownScope(m isolate.Member, out chan int) {
	send := func(v int) {
		defer m.Harmless().End()
		out <- v
	}
	send(1)
}

// A variable assigned twice may hold anything at the call.
func reassigned(m isolate.Member, out chan int, c bool) {
	f := func() { out <- 1 }
	if c {
		f = func() {}
	}
	f()
}

// A literal started as a goroutine blocks another goroutine.
func goroutine(m isolate.Member, out chan int) {
	send := func() { out <- 1 }
	go send()
}

// A literal that does not block.
func pure(m isolate.Member, xs []int) int {
	sum := func() (s int) {
		for _, x := range xs {
			s += x
		}
		return s
	}
	return sum()
}
