// Check 5: Join without Leave.
package leave

import "github.com/isolatekit/isolate"

func deferred(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	m.Poll()
}

func missing(iso *isolate.Isolator, c bool) {
	m := iso.Join() // want `m does not Leave on every path: the return at line 15 leaves it joined; defer m.Leave\(\) right after the Join`
	if c {
		return
	}
	m.Poll()
	m.Leave()
}

func never(iso *isolate.Isolator) {
	m := iso.JoinNamed("w") // want `m does not Leave on every path`
	sc := m.Idle()
	sc.End()
}

func dropped(iso *isolate.Isolator) {
	iso.Join() // want `the Member of iso.Join\(\) is dropped: it can never Leave`
}

// Handed to the caller: the caller leaves.
func handOff(iso *isolate.Isolator) isolate.Member {
	m := iso.Join()
	return m
}

// Handed to a helper: the helper may leave.
func helper(iso *isolate.Isolator) {
	m := iso.JoinIdle()
	work(m)
}

func work(m isolate.Member) { defer m.Leave() }

// A worker that never returns never needs to leave.
func forever(iso *isolate.Isolator, jobs chan int) {
	m := iso.Join()
	for {
		sc := m.Idle()
		<-jobs
		sc.End()
	}
}

// main's return ends the process.
func main() {}
