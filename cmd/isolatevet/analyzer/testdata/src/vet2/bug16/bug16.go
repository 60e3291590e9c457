// Package bug16 flushes a batch through a helper chain that ends in a
// channel send; the flush is called while the member runs.
package bug16

import (
	"github.com/isolatekit/isolate"
)

type Batch struct {
	Items []string
}

type Writer struct {
	iso     isolate.Isolator
	pending []string
	sink    chan Batch
	limit   int
}

func (w *Writer) deliver(b Batch) { // want deliver:"mayBlock"
	w.sink <- b
}

func (w *Writer) flush() { // want flush:"mayBlock"
	if len(w.pending) == 0 {
		return
	}
	b := Batch{Items: w.pending}
	w.pending = nil
	w.deliver(b)
}

func (w *Writer) Add(m isolate.Member, item string) {
	w.pending = append(w.pending, item)
	if len(w.pending) >= w.limit {
		w.flush() // want `Writer\.flush may block \(Writer\.deliver → send on w\.sink at bug16\.go:21\), called while m runs`
	}
}
