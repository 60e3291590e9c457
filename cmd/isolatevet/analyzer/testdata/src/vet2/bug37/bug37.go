// Package bug37 publishes inside a combined isolation.
package bug37

import (
	"github.com/isolatekit/isolate"
)

type Feed struct {
	iso    isolate.Isolator
	latest map[string]float64
	subs   chan string
}

func (f *Feed) Update(m isolate.Member, sym string, px float64) {
	m.Do(func() {
		f.latest[sym] = px
		f.subs <- sym // BUG: blocks inside Do
	})
}
