// Package ok23 ends scopes and releases in deferred closures, recovers
// from panics in handlers, and keeps the release of a request that may
// fail.
package ok23

import (
	"context"
	"fmt"
	"log"

	"github.com/isolatekit/isolate"
)

type Plugins struct {
	iso      isolate.Isolator
	handlers map[string]func(string) string
	out      chan string
}

func (p *Plugins) call(m isolate.Member, name, arg string) (res string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("plugin %s: %v", name, r)
		}
	}()
	h, ok := p.handlers[name]
	if !ok {
		return "", fmt.Errorf("no plugin %s", name)
	}
	return h(arg), nil
}

func (p *Plugins) Emit(m isolate.Member, s string) {
	sc := m.Harmless()
	defer func() {
		sc.End()
		log.Printf("emitted %d bytes", len(s))
	}()
	p.out <- s
}

func (p *Plugins) Install(ctx context.Context, m isolate.Member, name string, h func(string) string) error {
	release, err := m.IsolateContext(ctx)
	if err != nil {
		return fmt.Errorf("install %s: %w", name, err)
	}
	defer func() { release() }()
	if _, dup := p.handlers[name]; dup {
		return fmt.Errorf("plugin %s exists", name)
	}
	p.handlers[name] = h
	return nil
}

func (p *Plugins) Loop(ctx context.Context, calls <-chan [2]string) {
	m := p.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		var c [2]string
		var ok bool
		select {
		case c, ok = <-calls:
		case <-ctx.Done():
		}
		sc.End()
		if !ok {
			return
		}
		res, err := p.call(m, c[0], c[1])
		if err != nil {
			log.Print(err)
			continue
		}
		p.Emit(m, res)
	}
}
