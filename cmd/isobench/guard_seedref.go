package main

import (
	"sync/atomic"

	"github.com/isolatekit/isolate/internal/seedref"
)

// seedrefGuard: HAProxy's shared-mask rendez-vous, as the isolate package's
// reference implementation has it. Members are harmless while they wait for
// work; waiters spin with runtime.Gosched.
type seedrefGuard struct {
	r       *seedref.Rendezvous
	t       *table
	ids     atomic.Int32
	adminID int // the admin's thread id, an outsider
}

func newSeedrefGuard(t *table, members int) guard {
	return &seedrefGuard{r: seedref.New(members + 1), t: t, adminID: members}
}

func (g *seedrefGuard) join() member {
	id := int(g.ids.Add(1) - 1)
	g.r.HarmlessEnd(id) // threads start harmless
	return &seedrefMember{g: g, id: id}
}

func (g *seedrefGuard) admin(_ bool, op func(*table)) {
	g.r.Isolate(g.adminID)
	op(g.t)
	g.r.ReleaseHarmless(g.adminID)
}

type seedrefMember struct {
	g  *seedrefGuard
	id int
}

func (m *seedrefMember) next(jobs <-chan job) (job, bool) {
	m.g.r.HarmlessNow(m.id)
	j, ok := <-jobs
	m.g.r.HarmlessEnd(m.id)
	return j, ok
}

func (m *seedrefMember) do(j job, k int) (uint64, bool) { return m.g.t.read(j, k) }
func (m *seedrefMember) leave()                         { m.g.r.HarmlessNow(m.id) }
