// Package ok10 is an HTTP API: each request joins for its duration, reads a
// shared catalogue, and writes the response in a harmless scope; the admin
// endpoints are outsiders.
package ok10

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/isolatekit/isolate"
)

type Item struct {
	Name  string `json:"name"`
	Price int    `json:"price"`
}

type API struct {
	iso     isolate.Isolator
	items   map[string]Item
	auditMu sync.Mutex
	audit   []string
}

func (a *API) Routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /items/{name}", a.getItem)
	mux.HandleFunc("PUT /items/{name}", a.putItem)
	mux.HandleFunc("POST /admin/purge", a.purge)
}

func (a *API) getItem(w http.ResponseWriter, r *http.Request) {
	m := a.iso.Join()
	defer m.Leave()
	it, ok := a.items[r.PathValue("name")]
	if !ok {
		h := m.Harmless()
		http.NotFound(w, r)
		h.End()
		return
	}
	defer m.Harmless().End()
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(it); err != nil {
		a.auditMu.Lock()
		a.audit = append(a.audit, err.Error())
		a.auditMu.Unlock()
	}
}

func (a *API) putItem(w http.ResponseWriter, r *http.Request) { // want putItem:"mayBlock"
	var it Item
	if err := json.NewDecoder(r.Body).Decode(&it); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	release := a.iso.Isolate()
	a.items[r.PathValue("name")] = it
	release()
	a.auditMu.Lock()
	a.audit = append(a.audit, "put "+it.Name)
	a.auditMu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) purge(w http.ResponseWriter, r *http.Request) { // want purge:"mayBlock"
	release := a.iso.IsolateFull()
	n := len(a.items)
	clear(a.items)
	release()
	a.iso.Synchronize()
	json.NewEncoder(w).Encode(map[string]int{"purged": n})
}

// Warm loads items concurrently from an outsider.
func (a *API) Warm(names []string, load func(string) Item) { // want Warm:"mayBlock"
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]Item{}
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			it := load(n)
			mu.Lock()
			got[n] = it
			mu.Unlock()
		}()
	}
	wg.Wait()
	defer a.iso.Isolate()()
	for k, v := range got {
		a.items[k] = v
	}
}
