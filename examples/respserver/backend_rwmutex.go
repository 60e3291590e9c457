package main

import "sync"

// rwmutexBackend shares the key space through a sync.RWMutex: GET under
// RLock, SET and DEL under Lock. Connections need no hooks.
type rwmutexBackend struct {
	mu   sync.RWMutex
	data map[string][]byte
	info func() string
}

func newRWMutexBackend() *rwmutexBackend { return &rwmutexBackend{data: map[string][]byte{}} }

func (b *rwmutexBackend) open(*conn)         {}
func (b *rwmutexBackend) close(*conn, error) {}

func (b *rwmutexBackend) command(c *conn, args [][]byte) { dispatch(c, args, b, b.info) }

func (b *rwmutexBackend) get(_ *conn, key []byte) ([]byte, bool) {
	b.mu.RLock()
	v, ok := b.data[string(key)]
	b.mu.RUnlock()
	return v, ok
}

func (b *rwmutexBackend) set(_ *conn, key string, val []byte) {
	b.mu.Lock()
	b.data[key] = val
	b.mu.Unlock()
}

func (b *rwmutexBackend) del(_ *conn, key string) bool {
	b.mu.Lock()
	_, ok := b.data[key]
	delete(b.data, key)
	b.mu.Unlock()
	return ok
}

func (b *rwmutexBackend) size(*conn) int {
	b.mu.RLock()
	defer b.mu.RUnlock()
	return len(b.data)
}
