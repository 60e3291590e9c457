// Package ok38 is an HTTP server whose handlers share one member per
// request goroutine joined idle; each handler runs busy around the
// shared map only.
package ok38

import (
	"encoding/json"
	"io"
	"net/http"

	"github.com/isolatekit/isolate"
)

type Store struct {
	iso  isolate.Isolator
	docs map[string]json.RawMessage
}

func (s *Store) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := s.iso.JoinIdle()
	defer m.Leave()
	switch r.Method {
	case http.MethodGet:
		sc := m.Busy()
		doc, ok := s.docs[r.URL.Path]
		sc.End()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(doc)
	case http.MethodPut:
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		release := m.Isolate()
		s.docs[r.URL.Path] = body
		release()
		w.WriteHeader(http.StatusNoContent)
	}
}
