// Check 2: through calls, in the package and across packages.
package calls

import (
	"calls/dep"
	"fmt"

	"github.com/isolatekit/isolate"
)

func receiveOne(jobs chan int) int { return <-jobs } // want receiveOne:"mayBlock\\(<-jobs at calls.go:11\\)"

func handle(jobs chan int) int { return receiveOne(jobs) + 1 } // want handle:"mayBlock\\(receiveOne → <-jobs at calls.go:11\\)"

func local(m isolate.Member, jobs chan int) {
	receiveOne(jobs) // want `receiveOne may block \(<-jobs at calls.go:11\), called while m runs: wrap the call in a scope`
	handle(jobs)     // want `handle may block \(receiveOne → <-jobs at calls.go:11\)`
	sc := m.Harmless()
	handle(jobs)
	sc.End()
}

func imported(m isolate.Member, jobs chan int) {
	dep.Receive(jobs) // want `dep.Receive may block \(<-jobs at dep.go:7\)`
	dep.Nap()         // want `dep.Nap may block \(wait → time.Sleep at dep.go:11\)`
	dep.Quick(1)
	dep.Spawn(jobs)
	dep.Poll(jobs)
}

// A method that may block, called through its concrete type.
type queue struct{ c chan int }

func (q *queue) pop() int { return <-q.c } // want pop:"mayBlock"

func method(m isolate.Member, q *queue) {
	q.pop() // want `queue.pop may block`
}

// Func values are not resolved: not reported.
func funcValue(m isolate.Member, jobs chan int) {
	f := receiveOne
	f(jobs)
}

// A helper that takes the member handles its scope itself: no fact.
func recvHarmless(m isolate.Member, jobs chan int) int {
	defer m.Harmless().End()
	return <-jobs
}

func caller(m isolate.Member, jobs chan int) { recvHarmless(m, jobs) }

func doNamed(m isolate.Member, jobs chan int) {
	sc := m.Idle()
	defer sc.End()
	m.Do(dep.Nap) // want `the func passed to m.Do must not block \(dep.Nap → wait → time.Sleep at dep.go:11\)`
}

// The standard library's internals give no facts: fmt reaches the runtime's
// channel waits, and would make every print block.
func printing(m isolate.Member, x int) string { return fmt.Sprint(x) }
