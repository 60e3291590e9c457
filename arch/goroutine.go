package arch

// G returns a number that identifies the calling goroutine: the address of
// the Go runtime's descriptor of it (its g), on the ports where it is
// written in assembly (amd64 and arm64), and 0 on every other port.
//
// The number is an identity only while the goroutine lives: the runtime
// reuses the descriptor of a goroutine that has exited for a new one, so
// two goroutines that do not run at the same time may get the same
// number. It is no goroutine id, means nothing across processes and must
// not be used to decide anything but diagnostics (which goroutine asks,
// in a report). It costs about as much as a function call, where a
// goroutine id parsed from runtime.Stack costs microseconds.
func G() uintptr {
	return getg()
}
