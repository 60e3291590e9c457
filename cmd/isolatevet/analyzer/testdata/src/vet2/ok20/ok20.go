// Package ok20 is a game server tick loop: per-player members stored in a
// map, a broadcaster that never blocks while running, and a shutdown that
// waits for deferred cleanups outside any member.
package ok20

import (
	"log"
	"sync"
	"time"

	"github.com/isolatekit/isolate"
)

type Player struct {
	m     isolate.Member
	name  string
	x, y  int
	inbox chan string
}

type World struct {
	iso     isolate.Isolator
	mu      sync.Mutex
	players map[string]*Player
	quit    chan struct{}
	wg      sync.WaitGroup
}

func (w *World) Add(name string) *Player {
	p := &Player{m: w.iso.JoinNamed(name), name: name, inbox: make(chan string, 8)}
	w.mu.Lock()
	w.players[name] = p
	w.mu.Unlock()
	w.wg.Add(1)
	go w.loop(p)
	return p
}

func (w *World) loop(p *Player) {
	defer w.wg.Done()
	defer p.m.Leave()
	for {
		sc := p.m.Idle()
		var msg string
		select {
		case msg = <-p.inbox:
		case <-w.quit:
			sc.End()
			return
		}
		sc.End()
		switch msg {
		case "left":
			p.x--
		case "right":
			p.x++
		}
		w.broadcast(p)
	}
}

// broadcast tells the other players without ever waiting for them.
func (w *World) broadcast(from *Player) {
	for _, p := range w.players {
		if p == from {
			continue
		}
		select {
		case p.inbox <- from.name:
		default:
			log.Printf("%s: inbox full", p.name)
		}
	}
}

func (w *World) Shutdown(timeout time.Duration) { // want Shutdown:"mayBlock"
	close(w.quit)
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(timeout):
		log.Print("players still running")
	}
	w.iso.Barrier()
}
