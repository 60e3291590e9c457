// Package ok21 limits concurrent backend calls with a channel semaphore:
// acquiring waits in a harmless scope; releasing never waits.
package ok21

import (
	"github.com/isolatekit/isolate"
)

type Backend interface {
	Call(req string) (string, error)
}

type Proxy struct {
	iso     isolate.Isolator
	sem     chan struct{}
	backend Backend
	cache   map[string]string
}

func (p *Proxy) Forward(m isolate.Member, req string) (string, error) {
	if v, ok := p.cache[req]; ok {
		return v, nil
	}
	h := m.Harmless()
	p.sem <- struct{}{}
	v, err := p.backend.Call(req)
	<-p.sem
	h.End()
	return v, err
}

// Lookup holds a slot of the semaphore across a computation while running;
// giving the slot back never waits, since the slot is this call's own.
func (p *Proxy) Lookup(m isolate.Member, req string) string {
	h := m.Harmless()
	p.sem <- struct{}{}
	h.End()
	v := p.cache[req]
	for i := 0; i < 3 && v == ""; i++ {
		v = p.cache[req+"/"+string(rune('a'+i))]
	}
	<-p.sem
	return v
}
