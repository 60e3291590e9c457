// Package bug30 keeps its member in a field, joined in Run; the loop waits
// for work while running.
package bug30

import (
	"github.com/isolatekit/isolate"
)

type Indexer struct {
	iso   *isolate.Isolator
	m     isolate.Member
	in    chan string
	index map[string]int
}

func (x *Indexer) Run() {
	x.m = x.iso.JoinNamed("indexer")
	defer x.m.Leave()
	for {
		doc, ok := <-x.in // want `<-x\.in blocks while x\.m runs`
		if !ok {
			return
		}
		x.index[doc]++
	}
}
