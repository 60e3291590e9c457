package arch

// burst is the largest number of hints issued without a preemption point
// in between. The assembly loops are leaf NOSPLIT functions, which the Go
// runtime can neither preempt asynchronously nor stop at a stack check, so
// a long uninterrupted loop would hold up every stop-the-world pause of
// the garbage collector. At the measured costs (under 30 ns per hint on
// amd64, similar for ISB on arm64) a burst takes well under 10 µs.
const burst = 256

// PauseN issues n spin-wait hints, as n calls to [Pause] would, but with
// one call. PauseN(0) does nothing.
//
// PauseN takes about n times as long as Pause (see the package
// documentation for measured costs), so spin-wait loops pass a few to a few
// hundred. Where the hints are assembly instructions, the goroutine can be
// preempted only between bursts of 256 of them.
func PauseN(n uint32) {
	for n > burst {
		pauseBurst()
		n -= burst
	}
	pauseN(n)
}

// pauseBurst issues burst hints. It is a separate function, never inlined
// and not a leaf, so that its prologue checks the stack bound: that check
// is where a pending preemption request (for a garbage collection, for
// instance) takes effect between bursts.
//
//go:noinline
func pauseBurst() {
	pauseN(burst)
}
