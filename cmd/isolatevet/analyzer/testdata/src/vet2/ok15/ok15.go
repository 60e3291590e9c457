// Package ok15 isolates with contexts: releases deferred only when the
// request succeeded, and released in deferred closures.
package ok15

import (
	"context"
	"errors"
	"log"
	"time"

	"github.com/isolatekit/isolate"
)

type Registry struct {
	iso      isolate.Isolator
	services map[string]string
}

func (r *Registry) Register(ctx context.Context, m isolate.Member, name, addr string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	release, err := m.IsolateContext(ctx)
	if err != nil {
		return err
	}
	defer release()
	if _, dup := r.services[name]; dup {
		return errors.New("duplicate service " + name)
	}
	r.services[name] = addr
	return nil
}

func (r *Registry) Deregister(ctx context.Context, name string) { // want Deregister:"mayBlock"
	release, err := r.iso.IsolateContext(ctx)
	if err == nil {
		defer release()
		delete(r.services, name)
		return
	}
	log.Printf("deregister %s: %v", name, err)
}

func (r *Registry) Rename(m isolate.Member, from, to string) (ok bool) {
	release := m.Isolate()
	defer func() {
		release()
		if !ok {
			log.Printf("rename %s: not found", from)
		}
	}()
	addr, found := r.services[from]
	if !found {
		return false
	}
	delete(r.services, from)
	r.services[to] = addr
	return true
}

func (r *Registry) Serve(ctx context.Context, names <-chan [2]string) {
	m := r.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		var n [2]string
		var ok bool
		select {
		case n, ok = <-names:
		case <-ctx.Done():
		}
		sc.End()
		if !ok {
			return
		}
		if err := r.Register(ctx, m, n[0], n[1]); err != nil {
			log.Print(err)
		}
	}
}
