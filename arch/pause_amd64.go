package arch

// Pause issues one PAUSE instruction.
//
// See the package documentation for what the hint does and costs.
func Pause()

// pauseN issues n PAUSE instructions in an assembly loop that cannot be
// preempted; PauseN bounds n.
func pauseN(n uint32)
