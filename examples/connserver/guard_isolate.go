package main

import (
	"log/slog"
	"time"

	"github.com/isolatekit/isolate"
)

// isolateGuard shares the table through an isolate.Isolator. Each request
// joins as a member for its duration: while it runs it may read the table
// and update counters without any lock, because no exclusive section (an
// isolation) can begin until it is harmless. Around every blocking call it
// is harmless, so an isolation never waits for a slow client.
type isolateGuard struct {
	iso *isolate.Isolator
}

// newIsolateGuard returns a guard whose stalled isolations are logged to
// log with the names of the requests that block them.
//
// The leak check stays on although members join per request: a member's
// state, and its leak cleanup, are made once per slot and reused by the
// requests that join after it, and it names a handler that would forget
// Leave instead of letting it block every isolation silently.
func newIsolateGuard(log *slog.Logger) *isolateGuard {
	return &isolateGuard{iso: &isolate.Isolator{
		StallAfter: time.Second,
		OnStall: func(r isolate.StallReport) {
			log.Warn("isolation stalled", "requester", r.Requester, "holder", r.Holder,
				"blockers", r.Blockers, "waited", r.Waited)
		},
	}}
}

func (g *isolateGuard) mode() string { return modeIsolate }

// enter joins the Isolator: the request is a running member from here on.
func (g *isolateGuard) enter(name string) request {
	return isolateRequest{g.iso.JoinNamed(name)}
}

// isolateDebug is the Isolator's state, as GET /debug/isolate shows it.
type isolateDebug struct {
	Lock           string   `json:"lock"`
	Members        int      `json:"members"`
	Isolations     uint64   `json:"isolations"`
	FullIsolations uint64   `json:"full_isolations"`
	Abandoned      uint64   `json:"abandoned"`
	Waited         uint64   `json:"waited"`
	TotalWait      string   `json:"total_wait"`
	MaxWait        string   `json:"max_wait"`
	Requests       int      `json:"requests"`
	Held           int      `json:"held"`
	Leaked         int      `json:"leaked"`
	Blockers       []string `json:"blockers"`
}

func (g *isolateGuard) debug() any {
	st := g.iso.Stats()
	blockers := []string{} // [] rather than null in JSON
	for _, b := range g.iso.Blockers() {
		blockers = append(blockers, b.String()) // "name (state)"
	}
	return isolateDebug{
		Lock:           modeIsolate,
		Members:        st.Members,
		Isolations:     st.Isolations,
		FullIsolations: st.FullIsolations,
		Abandoned:      st.Abandoned,
		Waited:         st.Waited,
		TotalWait:      st.TotalWait.String(),
		MaxWait:        st.MaxWait.String(),
		Requests:       st.Requests,
		Held:           st.Held,
		Leaked:         st.Leaked,
		Blockers:       blockers,
	}
}

// isolateRequest is one request's membership.
type isolateRequest struct {
	m isolate.Member
}

// read takes nothing: a running member already keeps isolations out.
func (r isolateRequest) read() func() { return nothing }

// write isolates the member: every other request is harmless (blocked in
// I/O, or waiting to run again) until end.
func (r isolateRequest) write() func() { return r.m.Isolate() }

// block makes the member harmless, so that an isolation may run meanwhile.
func (r isolateRequest) block() func() { return r.m.Harmless().End }

func (r isolateRequest) leave() { r.m.Leave() }
