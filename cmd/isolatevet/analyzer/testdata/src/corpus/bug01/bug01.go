// A worker pool: the worker ranges over its jobs while running.
package bug01

import "github.com/isolatekit/isolate"

var iso isolate.Isolator

func worker(jobs <-chan string, counts map[string]int) {
	m := iso.Join()
	defer m.Leave()
	for j := range jobs {
		counts[j]++
	}
}
