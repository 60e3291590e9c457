// Package ok18 updates shared metrics with combined isolations: members
// call m.Do, the exporter iso.Do; the funcs only touch memory.
package ok18

import (
	"sort"
	"strings"

	"github.com/isolatekit/isolate"
)

type Metrics struct {
	iso      isolate.Isolator
	counters map[string]int64
	hist     []float64
}

func (mt *Metrics) record(name string, v float64) {
	mt.counters[name]++
	mt.hist = append(mt.hist, v)
	if len(mt.hist) > 4096 {
		mt.hist = mt.hist[len(mt.hist)-1024:]
	}
}

func (mt *Metrics) Observe(m isolate.Member, name string, v float64) {
	m.Do(func() { mt.record(name, v) })
}

func (mt *Metrics) Worker(samples <-chan float64) {
	m := mt.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		v, ok := <-samples
		sc.End()
		if !ok {
			return
		}
		mt.Observe(m, "sample", v)
		if v < 0 {
			m.Do(func() { mt.counters["negative"]++ })
		}
	}
}

// Export runs on an exporter goroutine, not a member.
func (mt *Metrics) Export() string { // want Export:"mayBlock"
	var names []string
	mt.iso.Do(func() {
		for k := range mt.counters {
			names = append(names, k)
		}
	})
	sort.Strings(names)
	return strings.Join(names, ",")
}
