package isolate_test

// Examples of callback members: JoinIdle and Busy.

import (
	"fmt"

	"github.com/isolatekit/isolate"
)

// A callback framework calls an accept hook, then a handler per request,
// each on whatever goroutine it likes. The accept hook joins idle, which
// never waits; each handler runs its work in a busy scope, and hands the
// member on (here through a channel) when it returns.
func ExampleIsolator_JoinIdle() {
	var iso isolate.Isolator
	counts := map[string]int{} // changed by handlers, read in isolation

	type conn struct {
		name string
		m    isolate.Member
	}
	accept := func(name string) *conn {
		return &conn{name, iso.JoinIdleNamed(name)} // never waits
	}
	handle := func(c *conn) {
		defer c.m.Busy().End() // runs until the handler returns
		counts[c.name]++
	}

	c := accept("conn-1")
	next, back := make(chan *conn), make(chan *conn)
	go func() { // the framework's other goroutine
		for c := range next {
			handle(c)
			back <- c
		}
	}()
	for range 3 {
		handle(c)  // on this goroutine...
		next <- c  // ...then on the other one: the send orders the two,
		c = <-back // and the receive orders its use before ours
	}
	close(next)

	release := iso.IsolateFull() // the member is idle between requests
	fmt.Println(counts["conn-1"])
	release()
	c.m.Leave() // the close hook
	// Output: 6
}

// Busy makes a member that is idle run until End, and puts it back idle:
// a grace period waits for it meanwhile.
func ExampleMember_Busy() {
	var iso isolate.Isolator
	m := iso.JoinIdle()
	defer m.Leave()

	sc := m.Busy()
	_, ok := iso.TryIsolate() //isolate:ok the example shows that it fails while m is busy
	fmt.Println("isolated while busy:", ok)
	sc.End()

	release, ok := iso.TryIsolate()
	fmt.Println("isolated while idle:", ok)
	release()
	// Output:
	// isolated while busy: false
	// isolated while idle: true
}
