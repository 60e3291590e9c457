package main

import (
	"sort"
	"sync/atomic"
	"time"
)

// A session is one client's entry in the table. Its counters are atomic
// because several requests of one session may update them at once; the
// table's structure around them is not.
type session struct {
	id       string
	requests atomic.Uint64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
	lastSeen atomic.Int64 // Unix nanoseconds of the last request
}

// A table is the server's session table: a plain map with no lock of its
// own. Which operation needs what access (see [request]):
//
//   - lookup, received, sent and view only read the map: shared access;
//   - register, rebuild and snapshot change the map or must see every
//     counter at one instant: exclusive access.
//
// Every request updates a session's counters and the totals in one stretch
// of shared access, so a snapshot taken with exclusive access always finds
// the sessions' counters summing to the totals.
type table struct {
	sessions map[string]*session
	capacity int    // the size hint the map was last built with
	rebuilds uint64 // how many times rebuild ran

	// totals over all sessions, counted alongside the sessions' counters.
	requests atomic.Uint64
	bytesIn  atomic.Uint64
	bytesOut atomic.Uint64
}

// newTable returns an empty table sized for capacity sessions.
func newTable(capacity int) *table {
	return &table{sessions: make(map[string]*session, capacity), capacity: capacity}
}

// lookup returns the session id, or nil. Shared access.
func (t *table) lookup(id string) *session {
	return t.sessions[id]
}

// register returns the session id, adding it if it is new. Exclusive
// access.
func (t *table) register(id string) *session {
	s := t.sessions[id]
	if s == nil {
		s = &session{id: id}
		t.sessions[id] = s
	}
	return s
}

// received counts a request of n bytes for s. Shared access.
func (t *table) received(s *session, n int, now time.Time) {
	s.requests.Add(1)
	s.bytesIn.Add(uint64(n))
	s.lastSeen.Store(now.UnixNano())
	t.requests.Add(1)
	t.bytesIn.Add(uint64(n))
}

// sent counts n bytes sent to s. Shared access.
func (t *table) sent(s *session, n int) {
	s.bytesOut.Add(uint64(n))
	t.bytesOut.Add(uint64(n))
}

// rebuild rehashes the table into a new map sized for capacity sessions
// (at least the number it holds). The sessions themselves are kept: a
// handler may hold one across a blocking call, so only the map is replaced.
// Exclusive access.
func (t *table) rebuild(capacity int) {
	capacity = max(capacity, len(t.sessions))
	m := make(map[string]*session, capacity)
	for id, s := range t.sessions {
		m[id] = s
	}
	t.sessions = m
	t.capacity = capacity
	t.rebuilds++
}

// sessionView is a copy of one session's counters, as the API shows them.
type sessionView struct {
	ID       string    `json:"id"`
	Requests uint64    `json:"requests"`
	BytesIn  uint64    `json:"bytes_in"`
	BytesOut uint64    `json:"bytes_out"`
	LastSeen time.Time `json:"last_seen"`
}

// view copies the counters of s. Shared access: the counters may move
// meanwhile, each one is read once.
func (s *session) view() sessionView {
	return sessionView{
		ID:       s.id,
		Requests: s.requests.Load(),
		BytesIn:  s.bytesIn.Load(),
		BytesOut: s.bytesOut.Load(),
		LastSeen: time.Unix(0, s.lastSeen.Load()).UTC(),
	}
}

// totalsView is the table's totals in a dump.
type totalsView struct {
	Sessions int    `json:"sessions"`
	Requests uint64 `json:"requests"`
	BytesIn  uint64 `json:"bytes_in"`
	BytesOut uint64 `json:"bytes_out"`
}

// dump is the table at one instant: what GET /debug/conns returns, like
// HAProxy's "show fd".
type dump struct {
	Lock     string        `json:"lock"`     // the guard's mode
	Waited   string        `json:"waited"`   // how long exclusive access took to get
	Capacity int           `json:"capacity"` // the map's size hint
	Rebuilds uint64        `json:"rebuilds"`
	Totals   totalsView    `json:"totals"`
	Sessions []sessionView `json:"sessions"` // sorted by id
}

// snapshot copies the whole table. Exclusive access: nobody updates a
// counter meanwhile, so the copy is consistent. It only copies; sorting and
// encoding happen after access ends.
func (t *table) snapshot() dump {
	d := dump{
		Capacity: t.capacity,
		Rebuilds: t.rebuilds,
		Totals: totalsView{
			Sessions: len(t.sessions),
			Requests: t.requests.Load(),
			BytesIn:  t.bytesIn.Load(),
			BytesOut: t.bytesOut.Load(),
		},
		Sessions: make([]sessionView, 0, len(t.sessions)),
	}
	for _, s := range t.sessions {
		d.Sessions = append(d.Sessions, s.view())
	}
	return d
}

// sortSessions orders a dump's sessions by id.
func (d *dump) sortSessions() {
	sort.Slice(d.Sessions, func(i, j int) bool { return d.Sessions[i].ID < d.Sessions[j].ID })
}
