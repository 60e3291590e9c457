package main

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/isolatekit/isolate"
)

// The saturated workload: a key-value service as a new user builds it. A
// pool of -members workers takes requests from one channel that clients in
// the same process keep full, so that a worker always finds its next
// request queued and the processors are always busy. A request reads the
// current config (an atomic.Pointer) and looks up -reads keys of a map.
// Every -admin-every an admin rewrites every entry of the map (it needs the
// map to itself) and publishes a new config; the config it replaced is
// reused for the next one once no worker can still hold it.
//
// isolate: workers wait for a request in an idle scope and serve it as
// running members; the admin rewrites the map under iso.Isolate(), then
// publishes the config with a store and waits out a grace period
// (iso.Synchronize()) before it reuses the old one. RWMutex: workers serve
// each request under RLock; the admin rewrites and publishes under Lock,
// after which no worker holds the old config: no wait for the publish.
//
// The admin's latency runs from its tick to the end of the grace period
// (RWMutex: to Unlock); ticks it could not keep up with are dropped.

// service is the state that the workers and the admin share.
type service struct {
	// catalog is a plain map, rewritten in place by the admin; gen is the
	// generation of its last rewrite, which every entry carries.
	catalog map[uint32]record
	gen     uint64
	// cfg is the current config; spare is the one the admin fills next
	// (the admin's alone, once no worker holds it).
	cfg   atomic.Pointer[serviceConfig]
	spare *serviceConfig
	torn  *atomic.Uint64
}

// serviceConfig is a config: every weight is its generation, so that a
// worker that reads one the admin is refilling sees two generations.
type serviceConfig struct {
	gen     uint64
	weights [16]uint64
}

func newService(torn *atomic.Uint64) *service {
	s := &service{catalog: make(map[uint32]record, tableSize), spare: new(serviceConfig), torn: torn}
	for k := range uint32(tableSize) {
		s.catalog[k] = record{}
	}
	s.cfg.Store(new(serviceConfig))
	return s
}

// serve handles request key: reads reads entries of the catalog, weighted
// by the config, and counts in torn a request that saw either change.
func (s *service) serve(key uint32, reads int) uint64 {
	cfg := s.cfg.Load()
	cgen, gen := cfg.gen, s.gen
	ok := true
	var sum uint64
	for i := range reads {
		r := s.catalog[key%tableSize]
		w := cfg.weights[i%len(cfg.weights)]
		sum += r.value * w
		ok = ok && r.gen == gen && w == cgen
		key += 0x9e3779b9
	}
	if !ok {
		s.torn.Add(1)
	}
	return sum
}

// rewrite changes every entry of the catalog, in a new generation. It
// needs the catalog to itself.
func (s *service) rewrite() {
	g := s.gen + 1
	for k, r := range s.catalog {
		s.catalog[k] = record{gen: g, value: r.value + uint64(k)}
	}
	s.gen = g
}

// publish fills the spare config and makes it current; it returns the
// config it replaced, which workers may still hold.
func (s *service) publish() (old *serviceConfig) {
	c := s.spare
	c.gen = s.cfg.Load().gen + 1
	for i := range c.weights {
		c.weights[i] = c.gen
	}
	return s.cfg.Swap(c)
}

// A pool is one way to share the service: a worker's life and the admin's
// tick.
type pool interface {
	// work serves requests from jobs until it is closed, publishing its
	// count in count.
	work(s *service, jobs <-chan uint32, reads int, count *counter)
	// tick rewrites the catalog and publishes a new config, and returns
	// once the old config is the admin's again.
	tick(s *service)
}

// pools are the saturated workload's implementations.
var pools = map[string]func() pool{
	"isolate": func() pool { return new(isolatePool) },
	"rwmutex": func() pool { return new(rwmutexPool) },
}

type isolatePool struct{ iso isolate.Isolator }

func (p *isolatePool) work(s *service, jobs <-chan uint32, reads int, count *counter) {
	m := p.iso.Join()
	defer m.Leave()
	var sink, done uint64
	for {
		idle := m.Idle() // between requests: holds nothing
		key, ok := <-jobs
		idle.End()
		if !ok {
			break
		}
		sink += s.serve(key, reads)
		done++
		count.n.Store(done)
	}
	_ = sink
}

func (p *isolatePool) tick(s *service) {
	release := p.iso.Isolate()
	s.rewrite()
	release()
	old := s.publish()
	p.iso.Synchronize() // every worker that may hold old has been idle since
	s.spare = old
}

type rwmutexPool struct{ mu sync.RWMutex }

func (p *rwmutexPool) work(s *service, jobs <-chan uint32, reads int, count *counter) {
	var sink, done uint64
	for key := range jobs {
		p.mu.RLock()
		sink += s.serve(key, reads)
		p.mu.RUnlock()
		done++
		count.n.Store(done)
	}
	_ = sink
}

func (p *rwmutexPool) tick(s *service) {
	p.mu.Lock()
	s.rewrite()
	old := s.publish()
	p.mu.Unlock() // workers hold configs only under RLock: old is free
	s.spare = old
}

// saturatedClients is the number of client goroutines that keep the
// request channel full.
const saturatedClients = 4

func startSaturated(r *run) running {
	p := r.p
	s := newService(&r.torn)
	pl := pools[p.impl]()
	jobs := make(chan uint32, queueBuffer)
	quit, adminQuit := make(chan struct{}), make(chan struct{})
	var clients, workers sync.WaitGroup
	for i := range saturatedClients {
		clients.Add(1)
		go func() {
			defer clients.Done()
			e := events{seed: uint32(i) + 1}
			for {
				select {
				case jobs <- e.next().seed:
				case <-quit:
					return
				}
			}
		}()
	}
	cs := make(counters, p.members)
	for i := range p.members {
		workers.Add(1)
		go func() {
			defer workers.Done()
			pl.work(s, jobs, p.reads, &cs[i])
		}()
	}
	ops := make(chan []timed)
	go func() {
		var done []timed
		t := time.NewTicker(p.adminEvery)
		defer t.Stop()
		for {
			select {
			case <-adminQuit:
				ops <- done
				return
			case <-t.C:
			}
			at := time.Now()
			pl.tick(s)
			done = append(done, timed{at, time.Since(at)})
		}
	}()
	var adminOps []timed
	return running{
		jobs: cs.total,
		stop: func() {
			close(adminQuit)
			adminOps = <-ops
			close(quit)
			clients.Wait()
			close(jobs) // the workers serve what is queued, then leave
			workers.Wait()
		},
		admin: func() []timed { return adminOps },
	}
}
