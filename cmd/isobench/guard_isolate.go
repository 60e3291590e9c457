package main

import "github.com/isolatekit/isolate"

// isolateGuard: members wait in a harmless scope and read the table with no
// other cost; an outsider admin isolates itself with the Isolator, a member
// with its Member.
type isolateGuard struct {
	iso isolate.Isolator
	t   *table
}

func newIsolateGuard(t *table, _ int) guard { return &isolateGuard{t: t} }

func (g *isolateGuard) join() member {
	return &isolateMember{m: g.iso.Join(), t: g.t}
}

func (g *isolateGuard) admin(_ bool, op func(*table)) {
	release := g.iso.Isolate()
	op(g.t)
	release()
}

type isolateMember struct {
	m isolate.Member
	t *table
}

func (m *isolateMember) wait(s *source) (batch, bool) {
	end := m.m.Harmless()
	b, ok := s.next()
	end.End()
	return b, ok
}

func (m *isolateMember) process(b batch, k int) (uint64, uint64, bool) { return m.t.read(b, k) }

func (m *isolateMember) exclusive(_ bool, op func(*table)) {
	sc := m.m.IsolateScope() // m.Isolate() without its release func's allocation
	op(m.t)
	sc.End()
}

func (m *isolateMember) leave() { m.m.Leave() }
