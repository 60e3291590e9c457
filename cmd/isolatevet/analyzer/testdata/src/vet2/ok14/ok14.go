// Package ok14 passes scopes around: a worker's wait helper returns the
// scope it opened, another ends a scope it was given.
package ok14

import (
	"time"

	"github.com/isolatekit/isolate"
)

type Worker struct {
	m     isolate.Member
	queue chan int
	done  chan int
	sum   map[int]int
}

func NewWorker(iso *isolate.Isolator) *Worker {
	return &Worker{
		m:     iso.Join(),
		queue: make(chan int),
		done:  make(chan int, 1),
		sum:   map[int]int{},
	}
}

// beginWait opens the idle scope the caller ends once it has its job.
func (w *Worker) beginWait() isolate.Scope {
	return w.m.Idle()
}

func finish(sc isolate.Scope, start time.Time, slow *int) {
	sc.End()
	if time.Since(start) > time.Second {
		*slow++
	}
}

func (w *Worker) Loop() {
	defer w.m.Leave()
	slow := 0
	for {
		start := time.Now()
		sc := w.beginWait()
		j, ok := <-w.queue
		finish(sc, start, &slow)
		if !ok {
			return
		}
		w.sum[j%10] += j
	}
}
