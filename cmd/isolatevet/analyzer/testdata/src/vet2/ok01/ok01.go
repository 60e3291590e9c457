// Package ok01 is a job server with a worker pool: workers wait for jobs in
// an idle scope, look up a shared price table while running, and hand
// results back in a harmless scope. An admin updates the table alone.
package ok01

import (
	"context"
	"fmt"
	"log"
	"sync"

	"github.com/isolatekit/isolate"
)

type job struct {
	id  int
	key string
}

type result struct {
	id    int
	price int
	err   error
}

type Server struct {
	iso     isolate.Isolator
	prices  map[string]int
	jobs    chan job
	results chan result
	wg      sync.WaitGroup
}

func NewServer() *Server {
	return &Server{
		prices:  map[string]int{},
		jobs:    make(chan job, 64),
		results: make(chan result, 64),
	}
}

func (s *Server) Start(ctx context.Context, workers int) {
	for i := 0; i < workers; i++ {
		s.wg.Add(1)
		go s.worker(ctx, i)
	}
}

func (s *Server) worker(ctx context.Context, id int) {
	defer s.wg.Done()
	m := s.iso.JoinNamed(fmt.Sprintf("worker-%d", id))
	defer m.Leave()
	for {
		idle := m.Idle()
		var j job
		var ok bool
		select {
		case <-ctx.Done():
			idle.End()
			return
		case j, ok = <-s.jobs:
		}
		idle.End()
		if !ok {
			return
		}
		r := s.price(j)
		if r.err != nil {
			log.Printf("job %d: %v", j.id, r.err)
		}
		h := m.Harmless()
		s.results <- r
		h.End()
	}
}

func (s *Server) price(j job) result {
	p, ok := s.prices[j.key]
	if !ok {
		return result{id: j.id, err: fmt.Errorf("no price for %q", j.key)}
	}
	return result{id: j.id, price: p}
}

// SetPrice runs on the admin goroutine, which is not a member.
func (s *Server) SetPrice(key string, p int) { // want SetPrice:"mayBlock"
	defer s.iso.Isolate()()
	s.prices[key] = p
}

func (s *Server) Submit(j job) { s.jobs <- j } // want Submit:"mayBlock"

func (s *Server) Stop() { // want Stop:"mayBlock"
	close(s.jobs)
	s.wg.Wait()
	close(s.results)
}
