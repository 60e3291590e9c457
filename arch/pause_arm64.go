package arch

// Pause issues one ISB SY instruction.
//
// See the package documentation for what the hint does and costs.
func Pause()

// pauseN issues n ISB SY instructions in an assembly loop that cannot be
// preempted; PauseN bounds n.
func pauseN(n uint32)
