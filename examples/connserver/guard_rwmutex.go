package main

import (
	"sync"
	"sync/atomic"
)

// rwmutexGuard shares the table through a sync.RWMutex: shared access is a
// read lock, exclusive access the write lock, and blocking calls happen
// outside both, as they must with any lock.
type rwmutexGuard struct {
	mu        sync.RWMutex
	exclusive atomic.Uint64 // write sections so far

	// The mutex's methods as funcs, made once: a method value made per call
	// would allocate.
	runlock, unlock func()
}

func newRWMutexGuard() *rwmutexGuard {
	g := &rwmutexGuard{}
	g.runlock, g.unlock = g.mu.RUnlock, g.mu.Unlock
	return g
}

func (g *rwmutexGuard) mode() string { return modeRWMutex }

// enter has nothing to do: the lock is taken per section.
func (g *rwmutexGuard) enter(string) request { return g }

// rwmutexDebug is what GET /debug/isolate shows in this mode.
type rwmutexDebug struct {
	Lock      string `json:"lock"`
	Exclusive uint64 `json:"exclusive"` // write-locked sections so far
}

func (g *rwmutexGuard) debug() any {
	return rwmutexDebug{Lock: modeRWMutex, Exclusive: g.exclusive.Load()}
}

// The guard is its own request: it keeps no per-request state.

func (g *rwmutexGuard) read() func() {
	g.mu.RLock()
	return g.runlock
}

func (g *rwmutexGuard) write() func() {
	g.mu.Lock()
	g.exclusive.Add(1)
	return g.unlock
}

func (g *rwmutexGuard) block() func() { return nothing }

func (g *rwmutexGuard) leave() {}
