// A helper that starts with Idle or IsolateFull on its Member, called
// inside a Harmless scope of that member.
package harmlesscall

import (
	"github.com/isolatekit/isolate"
)

type index struct {
	keys []string
	in   chan []string
}

func (ix *index) rebuild(m isolate.Member, keys []string) {
	release := m.IsolateFull()
	ix.keys = keys
	release()
}

func (ix *index) wait(m isolate.Member) []string {
	defer m.Idle().End()
	return <-ix.in
}

func (ix *index) update(m isolate.Member) {
	h := m.Harmless()
	keys := <-ix.in
	ix.rebuild(m, keys) // want `index.rebuild starts with m.IsolateFull\(\), which panics inside m's Harmless scope`
	h.End()
	ix.rebuild(m, keys)
}

func (ix *index) next(m isolate.Member) []string {
	defer m.Harmless().End()
	return ix.wait(m) // want `index.wait starts with m.Idle\(\), which panics inside m's Harmless scope`
}

// Not first thing: an early return may come before, or another call.
func (ix *index) maybe(m isolate.Member, keys []string) {
	if len(keys) == 0 {
		return
	}
	release := m.IsolateFull()
	ix.keys = keys
	release()
}

func (ix *index) afterHarmless(m isolate.Member, keys []string) {
	h := m.Harmless()
	keys = append(keys, "x")
	h.End()
	release := m.IsolateFull()
	ix.keys = keys
	release()
}

func (ix *index) fine(m isolate.Member, keys []string) {
	h := m.Harmless()
	ix.maybe(m, keys)
	ix.afterHarmless(m, keys)
	h.End()
	sc := m.Idle()
	ix.rebuild(m, keys) // idle: a full isolation from there is fine
	sc.End()
}
