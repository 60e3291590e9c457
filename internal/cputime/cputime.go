// Package cputime reads the processor time the process has used, for tests
// and benchmarks that measure how much CPU waiting burns.
package cputime

import "time"

// Process returns the processor time (user and system) that the process has
// used so far, and false where the system cannot tell.
func Process() (time.Duration, bool) {
	return process()
}
