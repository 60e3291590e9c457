// Package ok17 is HTTP middleware: each request joins for its duration in
// a closure; handlers receive the member through the context.
package ok17

import (
	"context"
	"net/http"

	"github.com/isolatekit/isolate"
)

type ctxKey struct{}

type Server struct {
	iso   isolate.Isolator
	flags map[string]bool
}

func (s *Server) withMember(next func(http.ResponseWriter, *http.Request, isolate.Member)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m := s.iso.JoinNamed(r.URL.Path)
		defer m.Leave()
		ctx := context.WithValue(r.Context(), ctxKey{}, true)
		next(w, r.WithContext(ctx), m)
	}
}

func (s *Server) flag(w http.ResponseWriter, r *http.Request, m isolate.Member) {
	on := s.flags[r.URL.Query().Get("name")]
	defer m.Harmless().End()
	if on {
		w.Write([]byte("on\n"))
		return
	}
	w.Write([]byte("off\n"))
}

func (s *Server) toggle(w http.ResponseWriter, r *http.Request, m isolate.Member) {
	name := r.URL.Query().Get("name")
	func() {
		defer m.Isolate()()
		s.flags[name] = !s.flags[name]
	}()
	h := m.Harmless()
	w.WriteHeader(http.StatusNoContent)
	h.End()
}

func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/flag", s.withMember(s.flag))
	mux.Handle("/toggle", s.withMember(s.toggle))
	return mux
}

// BatchToggle toggles several flags, each request joining and leaving in
// its own call.
func (s *Server) BatchToggle(names []string) {
	for _, n := range names {
		func() {
			m := s.iso.Join()
			defer m.Leave()
			release := m.Isolate()
			s.flags[n] = !s.flags[n]
			release()
		}()
	}
}
