// Package ok02 reloads a configuration RCU-style: request handlers read the
// current config through an atomic pointer while running; the reloader
// swaps in a new one and recycles the old after a grace period.
package ok02

import (
	"errors"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate"
)

type Config struct {
	Routes  map[string]string
	Timeout time.Duration
}

type Proxy struct {
	iso  isolate.Isolator
	cfg  atomic.Pointer[Config]
	pool sync.Pool
	reqs chan string
	out  chan string
}

var errNoRoute = errors.New("no route")

func (p *Proxy) route(path string) (string, error) {
	c := p.cfg.Load()
	for prefix, backend := range c.Routes {
		if strings.HasPrefix(path, prefix) {
			return backend, nil
		}
	}
	return "", errNoRoute
}

func (p *Proxy) Handle() {
	m := p.iso.JoinNamed("handler")
	defer m.Leave()
	for {
		sc := m.Idle()
		path, ok := <-p.reqs
		sc.End()
		if !ok {
			return
		}
		backend, err := p.route(path)
		if err != nil {
			backend = "default"
		}
		h := m.Harmless()
		p.out <- backend
		h.End()
	}
}

// Reload runs on a goroutine of its own (a SIGHUP handler), not a member.
func (p *Proxy) Reload(path string) error { // want Reload:"mayBlock"
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	next := &Config{Routes: map[string]string{}, Timeout: time.Second}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			next.Routes[f[0]] = f[1]
		}
	}
	old := p.cfg.Swap(next)
	if old == nil {
		return nil
	}
	p.iso.Synchronize()
	clear(old.Routes)
	p.pool.Put(old)
	return nil
}

// ReloadLater retires the old config without waiting.
func (p *Proxy) ReloadLater(next *Config) {
	old := p.cfg.Swap(next)
	p.iso.Defer(func() {
		clear(old.Routes)
		p.pool.Put(old)
	})
}

// Shutdown waits for the retired configs to be recycled.
func (p *Proxy) Shutdown() { // want Shutdown:"mayBlock"
	close(p.reqs)
	p.iso.Barrier()
}

// ReloadFromMember lets a handler that noticed a stale config reload it: it
// waits for the grace period idle, holding nothing.
func (p *Proxy) ReloadFromMember(m isolate.Member, next *Config) {
	old := p.cfg.Swap(next)
	sc := m.Idle()
	p.iso.Synchronize()
	sc.End()
	p.pool.Put(old)
}
