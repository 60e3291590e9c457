// Package bug08 is an HTTP gateway whose handlers are members; it checks a
// token with an auth service while the member runs.
package bug08

import (
	"net/http"

	"github.com/isolatekit/isolate"
)

type Gateway struct {
	iso     isolate.Isolator
	client  *http.Client
	authURL string
	quotas  map[string]int
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := g.iso.Join()
	defer m.Leave()
	user := r.Header.Get("X-User")
	if g.quotas[user] <= 0 {
		sc := m.Harmless()
		http.Error(w, "quota exceeded", http.StatusTooManyRequests)
		sc.End()
		return
	}
	resp, err := g.client.Get(g.authURL + "?user=" + user) // want `g\.client\.Get blocks while m runs`
	if err != nil {
		sc := m.Harmless()
		http.Error(w, err.Error(), http.StatusBadGateway)
		sc.End()
		return
	}
	resp.Body.Close()
	defer m.Harmless().End()
	w.WriteHeader(resp.StatusCode)
}
