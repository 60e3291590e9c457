// Package ok09 is an in-memory store whose writers isolate, with errors
// and early returns, context-bounded and opportunistic isolations.
package ok09

import (
	"context"
	"errors"
	"fmt"

	"github.com/isolatekit/isolate"
)

var ErrExists = errors.New("exists")

type Store struct {
	iso  isolate.Isolator
	data map[string][]byte
	size int
	max  int
}

func (s *Store) Put(m isolate.Member, key string, v []byte) error {
	if len(v) == 0 {
		return errors.New("empty value")
	}
	release := m.Isolate()
	if _, ok := s.data[key]; ok {
		release()
		return fmt.Errorf("put %q: %w", key, ErrExists)
	}
	s.data[key] = v
	s.size += len(v)
	release()
	return nil
}

func (s *Store) Delete(ctx context.Context, key string) error { // want Delete:"mayBlock"
	release, err := s.iso.IsolateContext(ctx)
	if err != nil {
		return err
	}
	defer release()
	if v, ok := s.data[key]; ok {
		s.size -= len(v)
		delete(s.data, key)
	}
	return nil
}

// Compact shrinks the store if nobody is in the way right now.
func (s *Store) Compact(m isolate.Member) bool {
	release, ok := m.TryIsolate()
	if !ok {
		return false
	}
	defer release()
	for k, v := range s.data {
		if len(v) == 0 {
			delete(s.data, k)
		}
	}
	return true
}

// Evict frees values that members could hold: it needs them idle.
func (s *Store) Evict(ctx context.Context) error { // want Evict:"mayBlock"
	release, err := s.iso.IsolateFullContext(ctx)
	if errors.Is(err, context.Canceled) {
		return nil
	}
	if err != nil {
		return err
	}
	for k, v := range s.data {
		if s.size <= s.max {
			break
		}
		s.size -= len(v)
		delete(s.data, k)
	}
	release()
	return nil
}

func (s *Store) Serve(reqs <-chan [2]string) {
	m := s.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		r, ok := <-reqs
		sc.End()
		if !ok {
			return
		}
		if err := s.Put(m, r[0], []byte(r[1])); err != nil {
			continue
		}
		if s.size > s.max {
			s.Compact(m)
		}
	}
}
