// A worker pool done right: idle between jobs, isolated through its member.
package ok01

import "github.com/isolatekit/isolate"

func worker(iso *isolate.Isolator, jobs <-chan string, table map[string]int) {
	m := iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		j, ok := <-jobs
		sc.End()
		if !ok {
			return
		}
		if _, seen := table[j]; !seen {
			release := m.Isolate()
			table[j] = len(j)
			release()
		}
		m.Poll()
	}
}
