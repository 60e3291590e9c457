// Package telemetry batches counters in the background; nothing it exports
// blocks its caller.
package telemetry

import (
	"sync"
	"time"
)

type Sink struct {
	mu     sync.Mutex
	counts map[string]int
	out    chan map[string]int
	once   sync.Once
}

func NewSink() *Sink {
	return &Sink{counts: map[string]int{}, out: make(chan map[string]int, 1)}
}

// Start flushes every interval on a goroutine of its own.
func (s *Sink) Start(every time.Duration) {
	s.once.Do(func() {
		go func() {
			for {
				time.Sleep(every)
				s.flush()
			}
		}()
	})
}

func (s *Sink) flush() {
	s.mu.Lock()
	c := s.counts
	s.counts = map[string]int{}
	s.mu.Unlock()
	select {
	case s.out <- c:
	default:
	}
}

// Offer hands a value over if someone is waiting, and never waits.
func (s *Sink) Offer(ch chan<- string, v string) bool {
	select {
	case ch <- v:
		return true
	default:
		return false
	}
}

// Out is the channel of flushed counters.
func (s *Sink) Out() <-chan map[string]int { return s.out }
