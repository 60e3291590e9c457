package main

import "sync"

// syncPointGuard: the synchronisation point that HAProxy's rendez-vous
// replaced. The admin sends every member a request, waking those that
// sleep, and waits until each has acknowledged it; the members then wait
// until the admin is done. Members run jobs without any cost.
//
// A member must not leave while an admin operation runs: isobench stops
// the admin before its members.
type syncPointGuard struct {
	t  *table
	mu sync.Mutex // guards members; held across an admin operation
	// members are the joined members.
	members []*syncPointMember
	acks    sync.WaitGroup
}

func newSyncPointGuard(t *table, _ int) guard { return &syncPointGuard{t: t} }

func (g *syncPointGuard) join() member {
	m := &syncPointMember{g: g, sync: make(chan chan struct{}, 1)}
	g.mu.Lock()
	g.members = append(g.members, m)
	g.mu.Unlock()
	return m
}

func (g *syncPointGuard) admin(_ bool, op func(*table)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	resume := make(chan struct{})
	g.acks.Add(len(g.members))
	for _, m := range g.members {
		m.sync <- resume
	}
	g.acks.Wait()
	op(g.t)
	close(resume)
}

type syncPointMember struct {
	g *syncPointGuard
	// sync receives the admin's request: the channel to wait on until
	// the admin is done.
	sync chan chan struct{}
}

func (m *syncPointMember) next(jobs <-chan job) (job, bool) {
	for {
		select {
		case j, ok := <-jobs:
			return j, ok
		case resume := <-m.sync:
			m.g.acks.Done()
			<-resume
		}
	}
}

func (m *syncPointMember) do(j job, k int) (uint64, bool) { return m.g.t.read(j, k) }

func (m *syncPointMember) leave() {
	m.g.mu.Lock()
	defer m.g.mu.Unlock()
	for i, o := range m.g.members {
		if o == m {
			m.g.members = append(m.g.members[:i], m.g.members[i+1:]...)
			return
		}
	}
}
