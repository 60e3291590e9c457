// Package bug27 joins per message in a loop and skips the Leave on the
// messages it ignores.
package bug27

import (
	"github.com/isolatekit/isolate"
)

type Filter struct {
	iso     isolate.Isolator
	blocked map[string]bool
	passed  int
}

func (f *Filter) Count(msgs []string) int {
	n := 0
	for _, msg := range msgs {
		m := f.iso.Join() // want `m does not Leave on every path`
		if f.blocked[msg] {
			continue
		}
		n++
		m.Leave()
	}
	return n
}
