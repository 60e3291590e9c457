package main

import "github.com/isolatekit/isolate"

// isolateGuard: members are harmless while they wait for work, and read the
// table with no other cost; the admin isolates itself as an outsider.
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

func (m *isolateMember) next(jobs <-chan job) (job, bool) {
	end := m.m.Harmless()
	j, ok := <-jobs
	end()
	return j, ok
}

func (m *isolateMember) do(j job, k int) (uint64, bool) { return m.t.read(j, k) }
func (m *isolateMember) leave()                         { m.m.Leave() }
