// Package ok04 plugs into a callback-style event bus: the bus calls the
// plugin's hooks on its own goroutines; the plugin's member joined idle and
// runs only inside each hook's Busy scope.
package ok04

import (
	"errors"
	"log"

	"github.com/isolatekit/isolate"
)

type Message struct {
	Topic string
	Body  []byte
}

// Bus is the framework: Publish and Subscribe block.
type Bus interface {
	Publish(topic string, body []byte) error
	Subscribe(topic string, h func(Message)) error
}

type Plugin struct {
	iso    *isolate.Isolator
	m      isolate.Member
	bus    Bus
	routes map[string]string
	seen   map[string]int
}

func New(iso *isolate.Isolator, bus Bus) *Plugin {
	return &Plugin{
		iso:    iso,
		m:      iso.JoinIdleNamed("plugin"),
		bus:    bus,
		routes: map[string]string{},
		seen:   map[string]int{},
	}
}

func (p *Plugin) Close() { p.m.Leave() }

// OnMessage is called by the bus, one call at a time.
func (p *Plugin) OnMessage(msg Message) {
	var fwd string
	func() {
		defer p.m.Busy().End()
		p.seen[msg.Topic]++
		fwd = p.routes[msg.Topic]
	}()
	if fwd == "" {
		return
	}
	if err := p.bus.Publish(fwd, msg.Body); err != nil {
		log.Printf("forward %s: %v", fwd, err)
	}
}

// OnConnect runs the whole hook busy; it blocks on nothing.
func (p *Plugin) OnConnect(topic string) error {
	defer p.m.Busy().End()
	if _, ok := p.routes[topic]; !ok {
		return errors.New("unknown topic")
	}
	p.seen[topic] = 0
	return nil
}

// Pump is a goroutine of the plugin that consumes a channel with a member
// joined idle: it blocks idle and runs only around each event.
func Pump(iso *isolate.Isolator, events <-chan Message, counts map[string]int) {
	m := iso.JoinIdle()
	defer m.Leave()
	for ev := range events {
		sc := m.Busy()
		counts[ev.Topic]++
		sc.End()
	}
}
