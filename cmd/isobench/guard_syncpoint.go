package main

import "sync"

// syncPointGuard: the synchronisation point that HAProxy's rendez-vous
// replaced. The admin sends every member a request, waking those that
// sleep, and waits until each has answered it; the members then wait until
// the admin is done. Members run batches without any cost, and answer
// requests when they next wait (a member that polls checks for one at each
// wait). HAProxy's threads were fixed; here members may join and leave at
// any time, so that a goroutine per request can use it too: a joining
// goroutine waits out a sync point in progress, and a leaving one answers
// the request it may have been sent.
type syncPointGuard struct {
	t *table
	// adminMu lets one sync point run at a time.
	adminMu sync.Mutex
	// mu guards members and resume.
	mu      sync.Mutex
	members []*syncPointMember
	// resume is the channel that the sync point in progress closes when
	// it ends; nil when none is in progress.
	resume chan struct{}
	acks   sync.WaitGroup
}

func newSyncPointGuard(t *table, _ int) guard { return &syncPointGuard{t: t} }

func (g *syncPointGuard) join() member {
	m := &syncPointMember{g: g, sync: make(chan chan struct{}, 1)}
	g.mu.Lock()
	for g.resume != nil {
		r := g.resume
		g.mu.Unlock()
		<-r
		g.mu.Lock()
	}
	g.members = append(g.members, m)
	g.mu.Unlock()
	return m
}

func (g *syncPointGuard) admin(_ bool, op func(*table)) { g.syncPoint(nil, op) }

// syncPoint runs op once every member but self has answered a request.
func (g *syncPointGuard) syncPoint(self *syncPointMember, op func(*table)) {
	g.adminMu.Lock()
	defer g.adminMu.Unlock()
	resume := make(chan struct{})
	g.mu.Lock()
	g.resume = resume
	for _, m := range g.members {
		if m != self {
			g.acks.Add(1)
			m.sync <- resume
		}
	}
	g.mu.Unlock()
	g.acks.Wait()
	op(g.t)
	g.mu.Lock()
	g.resume = nil
	g.mu.Unlock()
	close(resume)
}

type syncPointMember struct {
	g *syncPointGuard
	// sync receives the admin's request: the channel to wait on until
	// the admin is done.
	sync chan chan struct{}
}

// answer acknowledges request resume and waits until the sync point ends.
func (m *syncPointMember) answer(resume chan struct{}) {
	m.g.acks.Done()
	<-resume
}

func (m *syncPointMember) wait(s *source) (batch, bool) {
	switch {
	case s.ch != nil:
		for {
			select {
			case b, ok := <-s.ch:
				return b, ok
			case r := <-m.sync:
				m.answer(r)
			}
		}
	case s.timer != nil:
		s.timer.Reset(s.sleepFor())
		for {
			select {
			case <-s.timer.C:
				return s.made()
			case r := <-m.sync:
				m.answer(r)
			}
		}
	}
	select {
	case r := <-m.sync:
		m.answer(r)
	default:
	}
	return s.made()
}

func (m *syncPointMember) process(b batch, k int) (uint64, uint64, bool) { return m.g.t.read(b, k) }

func (m *syncPointMember) exclusive(_ bool, op func(*table)) { m.g.syncPoint(m, op) }

// leave unregisters the member, then answers the request it was sent
// before that, if any: the sync point waits for it.
func (m *syncPointMember) leave() {
	m.g.mu.Lock()
	for i, o := range m.g.members {
		if o == m {
			m.g.members = append(m.g.members[:i], m.g.members[i+1:]...)
			break
		}
	}
	m.g.mu.Unlock()
	select {
	case r := <-m.sync:
		m.answer(r)
	default:
	}
}
