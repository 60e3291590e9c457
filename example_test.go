package isolate_test

// Examples of the core API for the package documentation: members, scopes,
// isolations, Poll and the diagnostics. Examples of one area go in
// example_<area>_test.go (busy, combine, grace).

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/isolatekit/isolate"
)

// Workers share a table; an admin goroutine isolates itself to change it
// while no worker touches it. Workers are idle while they wait for their
// next job: between two jobs they hold nothing of the table.
func Example() {
	var iso isolate.Isolator
	table := map[string]int{}
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			defer m.Leave()
			for {
				idle := m.Idle() // between jobs: holds nothing of the table
				key, ok := <-jobs
				idle.End() // waits here while the admin is isolated
				if !ok {
					return
				}
				_ = table[key] // reads need no lock
			}
		}()
	}
	for i := range 100 {
		jobs <- fmt.Sprint("k", i%10)
		if i%25 == 0 {
			release := iso.Isolate() // every worker is idle now
			table["version"]++
			release()
		}
	}
	close(jobs)
	wg.Wait()
	fmt.Println("version", table["version"])
	// Output: version 4
}

// A member wraps a blocking call in the middle of a job (a network read,
// an RPC: here a reply on a channel) in a harmless scope, where it may
// still hold references into the shared structure. Between jobs it waits
// in an idle scope instead (see the package example).
func ExampleMember_Harmless() {
	type session struct{ base int }
	var iso isolate.Isolator
	sessions := map[string]*session{"s1": {base: 40}}
	replies := make(chan int, 1)
	replies <- 2 // say, a backend's answer

	m := iso.Join()
	defer m.Leave()
	s := sessions["s1"] // running: reads need no lock
	sc := m.Harmless()  // blocking mid-job, still holding s
	v := <-replies      // a plain isolation may run while we wait here
	sc.End()            // returns once no isolation is in progress
	fmt.Println(s.base + v)
	// Output: 42
}

// IsolateContext gives up when its context ends, here because a member
// keeps running past the deadline.
func ExampleIsolator_IsolateContext() {
	var iso isolate.Isolator
	busy := iso.Join() // running: never harmless in this example
	defer busy.Leave()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	release, err := iso.IsolateContext(ctx) //isolate:ok the example shows a request that gives up on a running member
	if errors.Is(err, context.DeadlineExceeded) {
		fmt.Println("gave up:", err)
		return
	}
	release()
	// Output: gave up: isolate: isolation abandoned: context deadline exceeded
}

// A member that computes for long without blocking polls now and then, so
// that an isolation requested meanwhile gets in.
func ExampleMember_Poll() {
	var iso isolate.Isolator
	var sum int64
	joined, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		m := iso.Join()
		defer m.Leave()
		close(joined)
		for i := range 1_000_000 {
			sum += int64(i)
			if i%1024 == 0 {
				m.Poll() // one load unless an isolation is requested
			}
		}
	}()
	<-joined
	release := iso.Isolate() // gets in at the worker's next Poll
	fmt.Println("isolated while the worker computes")
	release()
	<-done
	fmt.Println(sum)
	// Output:
	// isolated while the worker computes
	// 499999500000
}

// A full isolation waits until members are idle: between jobs, holding no
// reference to shared objects, so that it may replace them.
func ExampleIsolator_IsolateFull() {
	type config struct{ limit int }
	var iso isolate.Isolator
	cfg := &config{limit: 1}
	jobs := make(chan int)
	results := make(chan int)
	go func() {
		m := iso.Join()
		defer m.Leave()
		for {
			end := m.Idle() // between jobs: holds no *config
			n, ok := <-jobs
			end.End()
			if !ok {
				return
			}
			c := cfg // held for the whole job, harmless or not
			end = m.Harmless()
			results <- n * c.limit // blocking: harmless, but still holds c
			end.End()
		}
	}()
	jobs <- 2
	fmt.Println(<-results)

	release := iso.IsolateFull()
	cfg = &config{limit: 10} // no member holds the old one
	release()

	jobs <- 2
	fmt.Println(<-results)
	close(jobs)
	// Output:
	// 2
	// 20
}

// OnStall receives a report on every isolation that waits longer than
// StallAfter (and again, at doubling intervals, while it waits), naming the
// members that keep it waiting and, for a named member, where its
// goroutine waits: here a member that blocks in a channel receive without a
// harmless scope. Without OnStall, the report is logged through log/slog.
func ExampleIsolator_OnStall() {
	reported := make(chan struct{})
	iso := &isolate.Isolator{
		StallAfter: 20 * time.Millisecond,
		OnStall: func(r isolate.StallReport) {
			if r.Count > 1 {
				return // reported again: the wait goes on
			}
			fmt.Println(r.Kind, "requested by an outsider:", r.Requester.Member == nil)
			for _, b := range r.Blockers {
				fmt.Println("blocked by", b.Name, b.State, "in", b.WaitReason)
			}
			close(reported)
		},
	}
	joined := make(chan struct{})
	go func() {
		m := iso.JoinNamed("conn-reader")
		close(joined)
		//isolate:ok the bug that the stall report names
		<-reported // blocks without a harmless scope: the bug
		m.Leave()  // lets the isolation in
	}()
	<-joined
	iso.Isolate()()
	// Output:
	// isolation requested by an outsider: true
	// blocked by conn-reader running in chan receive
}

// A member that finds it must change the shared structure isolates through
// its Member: an upgrade from its read access to exclusive access that
// cannot deadlock, since the member counts as harmless while it waits.
// (With sync.RWMutex, Lock while holding RLock deadlocks.)
func ExampleMember_Isolate() {
	var iso isolate.Isolator
	cache := map[string]int{}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			defer m.Leave()
			key := fmt.Sprint("k", w%2)
			if _, ok := cache[key]; !ok { // reading needs nothing more
				release := m.Isolate() // every other member is harmless now
				if _, ok := cache[key]; !ok {
					cache[key] = len(key) // someone may have filled it meanwhile
				}
				release()
			}
		}()
	}
	wg.Wait()
	fmt.Println(len(cache))
	// Output: 2
}

// A server whose every request ends with a short write isolates with
// IsolateScope: the same isolation as Isolate, with End for release and no
// allocation per write.
func ExampleMember_IsolateScope() {
	var iso isolate.Isolator
	hits := map[string]int{}
	requests := []string{"/a", "/b", "/a"}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			defer m.Leave()
			for _, path := range requests {
				_ = hits[path] // running: reads need nothing more
				sc := m.IsolateScope()
				hits[path]++
				sc.End()
			}
		}()
	}
	wg.Wait()
	fmt.Println(hits["/a"], hits["/b"])
	// Output: 8 4
}

// Blockers names the members that keep a requested isolation waiting, with
// their state.
func ExampleIsolator_Blockers() {
	var iso isolate.Isolator
	busy := iso.JoinNamed("busy") // running
	calm := iso.JoinNamed("calm") //isolate:ok no isolation is requested yet: Join does not wait
	end := calm.Harmless()

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		//isolate:ok the request gives up: it is never granted
		_, _ = iso.IsolateContext(ctx) // waits for busy
	}()
	for len(iso.Blockers()) == 0 {
		//isolate:ok busy keeps running on purpose: it is the blocker shown
		time.Sleep(time.Millisecond) // until the request is queued
	}
	for _, b := range iso.Blockers() {
		fmt.Println(b)
	}
	cancel()
	<-done //isolate:ok the request has given up: done is closed at once
	end.End()
	calm.Leave()
	busy.Leave()
	// Output: busy (running)
}
