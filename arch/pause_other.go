//go:build !amd64 && !arm64

package arch

// Pause is the portable fallback: an empty function that the compiler
// may not inline.
//
// Go offers no portable spin-wait instruction, so on this port Pause gives
// the processor no hint. The call itself remains (a few nanoseconds), so a
// wait loop around Pause is not optimised away and still polls at a
// bounded rate. See the package documentation.
//
//go:noinline
func Pause() {}

// pauseN calls Pause n times. The loop is ordinary Go code, so the
// goroutine can be preempted anywhere in it.
func pauseN(n uint32) {
	for ; n > 0; n-- {
		Pause()
	}
}
