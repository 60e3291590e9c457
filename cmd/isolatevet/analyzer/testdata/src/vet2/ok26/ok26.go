// Package ok26 keeps a member in a field of a long-lived worker, joined in
// Run, with helpers that open scopes on it.
package ok26

import (
	"context"
	"errors"

	"github.com/isolatekit/isolate"
)

type Job struct {
	ID   int
	Keys []string
}

type Worker struct {
	iso   *isolate.Isolator
	m     isolate.Member
	jobs  <-chan Job
	acks  chan<- int
	index map[string][]int
}

var errStopped = errors.New("worker stopped")

// next waits for a job idle; it reads the member from the field.
func (w *Worker) next(ctx context.Context) (Job, error) {
	sc := w.m.Idle()
	defer sc.End()
	select {
	case j, ok := <-w.jobs:
		if !ok {
			return Job{}, errStopped
		}
		return j, nil
	case <-ctx.Done():
		return Job{}, ctx.Err()
	}
}

func (w *Worker) ack(id int) {
	defer w.m.Harmless().End()
	w.acks <- id
}

func (w *Worker) Run(ctx context.Context) error {
	w.m = w.iso.JoinNamed("indexer")
	defer w.m.Leave()
	for {
		j, err := w.next(ctx)
		if err != nil {
			return err
		}
		for _, k := range j.Keys {
			_ = w.index[k]
		}
		w.ack(j.ID)
	}
}
