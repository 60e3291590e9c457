package main

import (
	"sync"
	"sync/atomic"
)

// The perrequest workload: a goroutine per request, as net/http runs its
// handlers. One acceptor goroutine (net/http's Serve loop) starts a
// goroutine per request, at most -members at a time (the requests in
// flight). Each joins, reads its request in a harmless scope (RWMutex and
// RBMutex: outside the read lock), reads the table (RWMutex and RBMutex:
// read-locked), and leaves. The request is there when the handler reads it,
// as a small request is when net/http's first read returns it: the read is
// a channel receive that could block and does not, so that what the
// workload measures is the goroutine, the membership and the locks.

func startPerRequest(r *run) running {
	var accepted atomic.Uint64
	inflight := make(chan struct{}, r.p.members) // a slot per request in flight
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		accept(r, &accepted, inflight, quit)
	}()
	return running{
		// Requests done: accepted, less those still in flight.
		jobs: func() uint64 { return accepted.Load() - uint64(len(inflight)) },
		stop: func() {
			close(quit)
			<-done
		},
	}
}

// accept starts request handlers until quit is closed, then waits for them.
func accept(r *run, accepted *atomic.Uint64, inflight chan struct{}, quit <-chan struct{}) {
	var handlers sync.WaitGroup
	e := events{seed: 1, n: r.p.batch}
	for {
		select {
		case <-quit:
			handlers.Wait()
			return
		case inflight <- struct{}{}:
		}
		conn := make(chan batch, 1)
		conn <- e.next() // the request has arrived
		handlers.Add(1)
		go func() {
			defer handlers.Done()
			handle(r, conn)
			<-inflight
		}()
		accepted.Add(1)
	}
}

// handle is one request's goroutine.
func handle(r *run, conn <-chan batch) {
	m := r.g.join()
	b, _ := m.wait(&source{ch: conn}) // the handler's read of its request
	if _, _, ok := m.process(b, r.p.reads); !ok {
		r.torn.Add(1)
	}
	m.leave()
}
