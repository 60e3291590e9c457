// Package ok11 is a daemon: background workers that run for the life of the
// process (they never return, so never leave) and a main that joins too.
package main

import (
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/isolatekit/isolate"
)

var (
	iso    isolate.Isolator
	routes = map[string]int{}
	events = make(chan string, 128)
)

type Reporter struct {
	m     isolate.Member
	every time.Duration
}

func NewReporter(m isolate.Member, every time.Duration) *Reporter {
	return &Reporter{m: m, every: every}
}

func (r *Reporter) Loop() {
	for {
		sc := r.m.Idle()
		time.Sleep(r.every)
		sc.End()
		fmt.Fprintln(os.Stderr, "routes:", len(routes))
	}
}

func startWorkers(n int) {
	for i := 0; i < n; i++ {
		go func() {
			m := iso.Join()
			for {
				sc := m.Idle()
				ev := <-events
				sc.End()
				routes[ev]++
			}
		}()
	}
}

func main() {
	startWorkers(4)
	r := NewReporter(iso.JoinNamed("reporter"), time.Minute)
	go r.Loop()
	m := iso.Join()
	for _, arg := range os.Args[1:] {
		h := m.Harmless()
		events <- arg
		h.End()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	sc := m.Idle()
	<-sig
	sc.End()
	fmt.Println("bye:", len(routes))
}
