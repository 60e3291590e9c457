// A func that calls Busy on its Member parameter gets the member idle (a
// callback's member, joined with JoinIdle): its state on entry is unknown,
// not running.
package busyparam

import (
	"github.com/isolatekit/isolate"
)

type handler struct {
	log   chan string
	users map[string]int
}

func (h *handler) onData(m isolate.Member, name string) {
	h.log <- name // the member is idle here
	sc := m.Busy()
	h.users[name]++
	h.log <- name // want `send on h.log blocks while m runs`
	sc.End()
}

func (h *handler) onClose(m isolate.Member, name string) {
	h.log <- name
	func() {
		defer m.Busy().End()
		delete(h.users, name)
	}()
}

// Without Busy, a Member parameter runs on entry.
func (h *handler) plain(m isolate.Member, name string) {
	h.log <- name // want `send on h.log blocks while m runs`
}
