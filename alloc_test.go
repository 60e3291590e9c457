package isolate

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Zero allocations per scope, Poll, isolation and release when nothing has
// to wait (core issue, performance shape), with other members present in
// harmless (or, for full isolations, idle) scopes. testing.AllocsPerRun
// makes one warm-up call first: the end and release funcs, the request and
// its wake-up channel are created once per member (and depth) and reused.

type allocCase struct {
	name string
	f    func()
}

func TestAllocs(t *testing.T) {
	var iso Isolator
	// Others, each on its own goroutine, in a harmless scope.
	const others = 3
	actors := make([]*actor, others)
	members := make([]*Member, others)
	ends := make([]func(), others)
	park := func(idle bool) {
		for i, a := range actors {
			a.do(t, "park", func() {
				if ends[i] != nil {
					ends[i]()
				}
				if idle {
					ends[i] = members[i].Idle()
				} else {
					ends[i] = members[i].Harmless()
				}
			})
		}
	}
	for i := range actors {
		actors[i] = newActor(t)
		members[i] = actors[i].join(t, &iso)
	}
	park(false)

	m := iso.Join()
	bg := context.Background()
	check := func(cases []allocCase) {
		t.Helper()
		for _, c := range cases {
			assert.Zero(t, testing.AllocsPerRun(100, c.f), c.name)
		}
	}
	check([]allocCase{
		{"Harmless and end", func() { m.Harmless()() }},
		{"Idle and end", func() { m.Idle()() }},
		{"Harmless in Idle", func() { e := m.Idle(); m.Harmless()(); e() }},
		{"Poll", m.Poll},
		{"member Isolate and release", func() { m.Isolate()() }},
		{"member IsolateContext and release", func() { r, _ := m.IsolateContext(bg); r() }},
		{"member TryIsolate and release", func() { r, _ := m.TryIsolate(); r() }},
		{"member Isolate in own section", func() { r := m.Isolate(); m.Isolate()(); r() }},
		{"Harmless and Poll in own section", func() { r := m.Isolate(); m.Harmless()(); m.Poll(); r() }},
		{"member Isolate from a Harmless scope", func() { e := m.Harmless(); m.Isolate()(); e() }},
	})

	// Scopes deeper than the member's initial stack: it grew in the
	// warm-up call and is reused.
	deep := func() {
		var es [6]func()
		for i := range es {
			es[i] = m.Harmless()
		}
		m.Isolate()()
		for i := len(es) - 1; i >= 0; i-- {
			es[i]()
		}
	}
	check([]allocCase{{"nested scopes past the initial stack", deep}})

	// Outsiders, while the test goroutine's member is harmless too.
	end := m.Harmless()
	check([]allocCase{
		{"outsider Isolate and release", func() { iso.Isolate()() }},
		{"outsider IsolateContext and release", func() { r, _ := iso.IsolateContext(bg); r() }},
		{"outsider TryIsolate and release", func() { r, _ := iso.TryIsolate(); r() }},
	})
	end()

	// Full isolations, the others idle.
	park(true)
	end = m.Idle()
	check([]allocCase{
		{"outsider IsolateFull and release", func() { iso.IsolateFull()() }},
		{"outsider IsolateFullContext and release", func() { r, _ := iso.IsolateFullContext(bg); r() }},
	})
	end()
	check([]allocCase{
		{"member IsolateFull and release", func() { m.IsolateFull()() }},
		{"member IsolateFullContext and release", func() { r, _ := m.IsolateFullContext(bg); r() }},
	})

	m.Leave()
	for i, a := range actors {
		a.do(t, "end and Leave", func() { ends[i](); members[i].Leave() })
	}
}
