// Package dep has funcs that may block, for the check through calls across
// packages.
package dep

import "time"

func Receive(jobs chan int) int { return <-jobs }

func Nap() { wait() }

func wait() { time.Sleep(time.Millisecond) }

func Quick(x int) int { return x + 1 }

func Spawn(jobs chan int) { go func() { <-jobs }() }

func Poll(jobs chan int) (int, bool) {
	select {
	case j := <-jobs:
		return j, true
	default:
		return 0, false
	}
}
