//go:build !unix

package spin

import "time"

// cpuTime reports that the processor time is unknown on this system.
func cpuTime() (time.Duration, bool) {
	return 0, false
}
