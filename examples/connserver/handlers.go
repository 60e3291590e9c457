package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// maxBody is the largest request body a session update accepts.
const maxBody = 64 << 10

// maxCapacity bounds the size hint POST /admin/resize accepts.
const maxCapacity = 1 << 20

// handlers serves the session table's HTTP API. Every handler that touches
// the table runs as one request of the guard (see [handlers.member]) and
// follows the same pattern: blocking calls inside block, table access
// inside read or write, never both at once.
type handlers struct {
	table *table
	guard guard
}

// newHandler returns the server's routes over a new, empty table shared
// through g.
func newHandler(g guard) http.Handler {
	h := &handlers{table: newTable(16), guard: g}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /session/{id}", h.member(h.postSession))
	mux.HandleFunc("GET /session/{id}", h.member(h.getSession))
	mux.HandleFunc("GET /debug/conns", h.member(h.dumpTable))
	mux.HandleFunc("POST /admin/resize", h.member(h.resize))
	// Stats and Blockers do not touch the table: no membership needed.
	mux.HandleFunc("GET /debug/isolate", h.debugIsolate)
	return mux
}

// member wraps a handler in a request of the guard named after the HTTP
// request, so that a stall report says which one blocks.
func (h *handlers) member(f func(http.ResponseWriter, *http.Request, request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req := h.guard.enter(r.Method + " " + r.URL.Path + " from " + r.RemoteAddr)
		defer req.leave()
		f(w, r, req)
	}
}

// postSession counts a request for session {id}, registering it if new,
// and replies with the session's counters (bytes_out not yet counting this
// reply).
func (h *handlers) postSession(w http.ResponseWriter, r *http.Request, req request) {
	id := r.PathValue("id")
	end := req.block()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	end()
	if err != nil {
		status := http.StatusBadRequest
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		fail(w, req, status, err.Error())
		return
	}
	now := time.Now()

	var v sessionView
	end = req.read()
	s := h.table.lookup(id)
	if s != nil {
		h.table.received(s, len(body), now)
		v = s.view()
	}
	end()
	if s == nil { // new session: adding it changes the map
		end = req.write()
		s = h.table.register(id)
		h.table.received(s, len(body), now)
		v = s.view()
		end()
	}

	end = req.block()
	n, _ := writeJSON(w, http.StatusOK, v)
	end()

	// s is still valid: a rebuild meanwhile keeps the sessions.
	end = req.read()
	h.table.sent(s, n)
	end()
}

// getSession replies with session {id}'s counters.
func (h *handlers) getSession(w http.ResponseWriter, r *http.Request, req request) {
	var v sessionView
	end := req.read()
	s := h.table.lookup(r.PathValue("id"))
	if s != nil {
		v = s.view()
	}
	end()
	if s == nil {
		fail(w, req, http.StatusNotFound, "no such session")
		return
	}
	end = req.block()
	writeJSON(w, http.StatusOK, v)
	end()
}

// dumpTable replies with a consistent dump of the whole table: HAProxy's
// "show fd".
func (h *handlers) dumpTable(w http.ResponseWriter, _ *http.Request, req request) {
	start := time.Now()
	end := req.write()
	waited := time.Since(start)
	d := h.table.snapshot()
	end()

	d.Lock, d.Waited = h.guard.mode(), waited.String()
	d.sortSessions()
	end = req.block()
	writeJSON(w, http.StatusOK, d)
	end()
}

// resizeResult is POST /admin/resize's reply.
type resizeResult struct {
	Capacity int    `json:"capacity"`
	Sessions int    `json:"sessions"`
	Rebuilds uint64 `json:"rebuilds"`
	Waited   string `json:"waited"`
}

// resize rebuilds the table's map for ?capacity=N sessions (twice the
// sessions it holds if absent).
func (h *handlers) resize(w http.ResponseWriter, r *http.Request, req request) {
	capacity := 0
	if c := r.URL.Query().Get("capacity"); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 || n > maxCapacity {
			fail(w, req, http.StatusBadRequest, fmt.Sprintf("capacity: want 1 to %d", maxCapacity))
			return
		}
		capacity = n
	}
	start := time.Now()
	end := req.write()
	waited := time.Since(start)
	if capacity == 0 {
		capacity = max(2*len(h.table.sessions), 16)
	}
	h.table.rebuild(capacity)
	res := resizeResult{Capacity: h.table.capacity, Sessions: len(h.table.sessions), Rebuilds: h.table.rebuilds}
	end()

	res.Waited = waited.String()
	end = req.block()
	writeJSON(w, http.StatusOK, res)
	end()
}

// debugIsolate replies with the guard's state: for isolate, the
// Isolator's Stats and current Blockers.
func (h *handlers) debugIsolate(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, h.guard.debug())
}

// writeJSON writes v as a JSON reply and returns the body bytes written.
// It may block: call it inside block.
func writeJSON(w http.ResponseWriter, status int, v any) (int, error) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return 0, err
	}
	body = append(body, '\n')
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	return w.Write(body)
}

// fail replies with an error, as a blocking call.
func fail(w http.ResponseWriter, req request, status int, msg string) {
	end := req.block()
	http.Error(w, msg, status)
	end()
}
