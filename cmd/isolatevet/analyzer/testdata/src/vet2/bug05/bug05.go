// Package bug05 fans messages out to subscribers' mailboxes; posting to a
// full mailbox blocks while the member runs.
package bug05

import (
	"github.com/isolatekit/isolate"

	"vet2/bug05/mailbox"
)

type Broker struct {
	iso  isolate.Isolator
	subs map[string][]*mailbox.Mailbox
	in   *mailbox.Mailbox
}

func (b *Broker) Run() {
	m := b.iso.JoinNamed("broker")
	defer m.Leave()
	for {
		sc := m.Idle()
		msg, ok := b.in.Receive()
		sc.End()
		if !ok {
			return
		}
		topic := string(msg[:4])
		for _, sub := range b.subs[topic] {
			if !sub.TryPost(msg) {
				sub.Post(msg) // want `mailbox\.Mailbox\.Post may block \(send on b\.ch at mailbox\.go:12\), called while m runs`
			}
		}
	}
}

func (b *Broker) Subscribe(topic string, mb *mailbox.Mailbox) { // want Subscribe:"mayBlock"
	defer b.iso.Isolate()()
	b.subs[topic] = append(b.subs[topic], mb)
}
