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
	m.Do(func() { // want `the func passed to m\.Do must not block \(send on f\.subs at bug37\.go:17\)`
		f.latest[sym] = px
		f.subs <- sym // blocks inside Do: reported at the func
	})
}
