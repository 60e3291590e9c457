package isolate

import "testing"

// TestZeroAllocs asserts what the benchmarks report: once a member and an
// Isolator are warm, the fast and common paths allocate nothing.
func TestZeroAllocs(t *testing.T) {
	var iso Isolator
	m := iso.Join()
	defer m.Leave()
	outsider := func(isolate func() func()) func() {
		return func() {
			end := m.Harmless() // the outsider waits for no one
			isolate()()
			end()
		}
	}
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Member.Harmless and end", func() { m.Harmless()() }},
		{"Member.Idle and end", func() { m.Idle()() }},
		{"Member.Poll", m.Poll},
		{"Member.Isolate and release", func() { m.Isolate()() }},
		{"Member.IsolateFull and release", func() { m.IsolateFull()() }},
		{"Member.TryIsolate and release", func() {
			if release, ok := m.TryIsolate(); ok {
				release()
			}
		}},
		{"Harmless inside Member.Isolate", func() {
			release := m.Isolate()
			m.Harmless()()
			release()
		}},
		{"Isolator.Isolate and release", outsider(iso.Isolate)},
		{"Isolator.IsolateFull and release", func() {
			end := m.Idle()
			iso.IsolateFull()()
			end()
		}},
		{"Isolator.TryIsolate and release", outsider(func() func() {
			if release, ok := iso.TryIsolate(); ok {
				return release
			}
			return func() {}
		})},
	} {
		if n := testing.AllocsPerRun(100, c.f); n != 0 {
			t.Errorf("%s: %v allocations, want 0", c.name, n)
		}
	}
}
