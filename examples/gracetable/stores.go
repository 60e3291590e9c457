package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate"
)

// A store is one way of sharing the table between its readers and its
// writers. Every variant runs the same table code (table.go) and the same
// workload (workload.go); they differ only in how a reader finds a version
// it may read and in what a write does with the version it replaces.
type store interface {
	// name is the variant's name in flags, output and benchmark names.
	name() string
	// join returns a handle for the calling goroutine, which uses it
	// alone and calls leave when done.
	join() handle
	// settle waits for the store's background work (deferred recycling)
	// to finish: the funcs deferred so far have run.
	settle()
	// counts returns what writes did with buffers so far.
	counts() bufferCounts
	// graceTimes returns, for the rcu variants, how long retired
	// versions waited before they could be reused (nil for the others).
	graceTimes() *histogram
}

// A handle is one goroutine's access to a store.
type handle interface {
	// begin starts a job and returns the version to read: it stays
	// valid and unchanged until end.
	begin() *version
	// end ends the job: the goroutine drops its reference to the version.
	end()
	// write gives key a new value in a new version (or, for the RWMutex,
	// in place). Called between jobs.
	write(key uint64)
	// leave ends the goroutine's use of the store.
	leave()
}

// bufferCounts says where the buffers of the versions that writes made came
// from, and where the replaced ones went.
type bufferCounts struct {
	allocated uint64 // new buffers
	recycled  uint64 // buffers reused after a grace period
	dropped   uint64 // retired buffers left to the GC: the pool was full
}

// Variant names.
const (
	nameRWMutex  = "rwmutex"
	nameCOW      = "cow-gc"
	nameRCUDefer = "rcu-defer"
	nameRCUSync  = "rcu-sync"
)

// variants are the variants, in the order the program and benchmarks run them.
var variants = []string{nameRCUDefer, nameRCUSync, nameCOW, nameRWMutex}

// newStore returns a store of the named variant around the table first.
func newStore(variant string, first *version) (store, error) {
	switch variant {
	case nameRWMutex:
		return &rwStore{v: first}, nil
	case nameCOW:
		s := &cowStore{}
		s.cur.Store(first)
		return s, nil
	case nameRCUDefer, nameRCUSync:
		s := &rcuStore{sync: variant == nameRCUSync}
		s.cur.Store(first)
		return s, nil
	}
	return nil, fmt.Errorf("unknown variant %q (want one of %v)", variant, variants)
}

// rwStore is the table under a sync.RWMutex: readers hold the read lock
// around each job, a write takes the write lock and updates the one record
// in place. No copy and no allocation: the cheapest write, paid for by
// every reader writing the lock's shared reader count twice per job.
type rwStore struct {
	mu sync.RWMutex
	v  *version // written only under mu's write lock
}

func (s *rwStore) name() string           { return nameRWMutex }
func (s *rwStore) join() handle           { return rwHandle{s} }
func (s *rwStore) settle()                {}
func (s *rwStore) counts() bufferCounts   { return bufferCounts{} }
func (s *rwStore) graceTimes() *histogram { return nil }

type rwHandle struct{ s *rwStore }

func (h rwHandle) begin() *version { h.s.mu.RLock(); return h.s.v }
func (h rwHandle) end()            { h.s.mu.RUnlock() }
func (h rwHandle) leave()          {}

func (h rwHandle) write(key uint64) {
	h.s.mu.Lock()
	v := h.s.v
	v.stamp++
	v.set(key, v.stamp)
	h.s.mu.Unlock()
}

// cowStore is copy-on-write with the garbage collector as its grace
// period: readers load an atomic.Pointer and nothing else; a write copies
// the table into a new allocation and publishes it; the old version stays
// alive for as long as a reader holds it, and the GC frees it after that.
// The simplest scheme, and the cheapest for readers; each write allocates
// a whole table, and the GC runs more often the more a program writes.
type cowStore struct {
	cur      atomic.Pointer[version]
	wmu      sync.Mutex // serializes writers
	versions atomic.Uint64
}

func (s *cowStore) name() string           { return nameCOW }
func (s *cowStore) join() handle           { return cowHandle{s} }
func (s *cowStore) settle()                {}
func (s *cowStore) graceTimes() *histogram { return nil }
func (s *cowStore) counts() bufferCounts {
	n := s.versions.Load()
	return bufferCounts{allocated: n, dropped: n}
}

type cowHandle struct{ s *cowStore }

func (h cowHandle) begin() *version { return h.s.cur.Load() }
func (h cowHandle) end()            {}
func (h cowHandle) leave()          {}

func (h cowHandle) write(key uint64) {
	s := h.s
	s.wmu.Lock()
	cur := s.cur.Load()
	next := newVersion(len(cur.recs))
	next.next(cur, key)
	s.cur.Store(next)
	s.versions.Add(1)
	s.wmu.Unlock()
}

// rcuStore is copy-on-write whose retired buffers are reused after a
// grace period of an isolate.Isolator. Readers are members: idle between
// jobs, running during a job, in which they load the atomic.Pointer and
// read the version with no lock. A write copies the table into a recycled
// buffer and publishes it; the version it replaced is recycled once every
// member that was running has been idle since, when no reader can still
// hold it. Steady state allocates no buffer.
//
// With sync false (rcu-defer), a write hands the retired version to
// Isolator.Defer, which puts it in a small pool after the grace period; the
// writer never waits. With sync true (rcu-sync), a write waits in
// Isolator.Synchronize and keeps the retired version as the buffer of the
// next write: two buffers in all, and no pool, but each write waits for
// the readers' current jobs to end.
type rcuStore struct {
	iso  isolate.Isolator
	cur  atomic.Pointer[version]
	sync bool

	wmu   sync.Mutex // serializes writers; guards spare and, in rcu-sync, lag
	spare *version   // rcu-sync: the version the last write retired
	pool  versionPool
	// lag holds how long each retired version waited for its grace
	// period: from the pointer swap to the return of Synchronize
	// (rcu-sync) or to the deferred put (rcu-defer, under pool.mu).
	lag histogram

	allocated, recycled atomic.Uint64
}

func (s *rcuStore) name() string {
	if s.sync {
		return nameRCUSync
	}
	return nameRCUDefer
}

func (s *rcuStore) join() handle {
	m := s.iso.Join()
	return &rcuHandle{s: s, m: m, idle: m.Idle()}
}

// settle waits for the funcs deferred so far (Barrier): once they have run,
// every version retired so far is in the pool or dropped. It must not be
// called by a running member (Barrier may wait for its idle entry).
func (s *rcuStore) settle() { s.iso.Barrier() }

func (s *rcuStore) counts() bufferCounts {
	return bufferCounts{allocated: s.allocated.Load(), recycled: s.recycled.Load(), dropped: s.pool.dropped.Load()}
}

// rcuHandle is a member. Between jobs it is idle: it holds no version.
type rcuHandle struct {
	s    *rcuStore
	m    isolate.Member
	idle isolate.Scope // ends the idle scope that the member is in between jobs
}

func (h *rcuHandle) begin() *version {
	h.idle.End() // running: a grace period that begins now waits for this job
	return h.s.cur.Load()
}

func (h *rcuHandle) end() { h.idle = h.m.Idle() }

func (h *rcuHandle) leave() { h.m.Leave() }

// write is called between jobs, so the member is idle: it may wait for the
// write lock and, in rcu-sync, for a grace period (a running member would
// wait for itself). It reads the current version although it is idle:
// only writers retire versions, and they hold wmu, so the version it
// copies cannot be recycled under it.
func (h *rcuHandle) write(key uint64) {
	s := h.s
	s.wmu.Lock()
	defer s.wmu.Unlock()
	cur := s.cur.Load()
	next := s.spare
	if !s.sync {
		next = s.pool.get()
	}
	if next != nil {
		s.recycled.Add(1)
	} else {
		next = newVersion(len(cur.recs))
		s.allocated.Add(1)
	}
	next.next(cur, key)
	s.cur.Store(next) // cur is unpublished from here: readers load next
	retired := time.Now()
	if s.sync {
		s.iso.Synchronize() // every job that may have loaded cur has ended
		s.lag.record(time.Since(retired))
		s.spare = cur
		return
	}
	s.iso.Defer(func() { s.pool.put(cur, &s.lag, retired) })
}

// graceTimes must be called once the store has settled and every handle
// has left.
func (s *rcuStore) graceTimes() *histogram { return &s.lag }

// versionPool keeps retired versions for reuse: a free list under a
// mutex, bounded so that a burst of writes cannot make it hold many
// tables. (A sync.Pool would do as well while writes are steady; it
// empties itself over two GC cycles.)
type versionPool struct {
	mu      sync.Mutex
	free    []*version
	dropped atomic.Uint64
}

// poolSize bounds the pool. A grace period ends within a reader's job, so
// one or two retired versions wait at a time unless writes come in bursts.
const poolSize = 4

func (p *versionPool) get() *version {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(p.free)
	if n == 0 {
		return nil
	}
	v := p.free[n-1]
	p.free[n-1] = nil
	p.free = p.free[:n-1]
	return v
}

// put adds v to the pool, and records in lag (under p.mu) the time since
// it was retired.
func (p *versionPool) put(v *version, lag *histogram, retired time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	lag.record(time.Since(retired))
	if len(p.free) == poolSize {
		p.dropped.Add(1)
		return
	}
	p.free = append(p.free, v)
}

func (p *versionPool) len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.free)
}
