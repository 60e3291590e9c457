// Package ok27 is a pub/sub broker whose subscribers are members; the
// broker hands each subscriber's member to its goroutine by joining there.
package ok27

import (
	"context"
	"log"
	"sync"

	"github.com/isolatekit/isolate"
)

type Broker struct {
	iso    isolate.Isolator
	topics map[string]int
	wg     sync.WaitGroup
}

func (b *Broker) Subscribe(ctx context.Context, topic string, ch <-chan []byte, handle func([]byte) error) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		m := b.iso.JoinNamed("sub " + topic)
		defer m.Leave()
		for {
			sc := m.Idle()
			var msg []byte
			var ok bool
			select {
			case msg, ok = <-ch:
			case <-ctx.Done():
			}
			sc.End()
			if !ok {
				return
			}
			if b.topics[topic] < 0 {
				continue
			}
			if err := handle(msg); err != nil {
				log.Printf("%s: %v", topic, err)
				return
			}
		}
	}()
}

func (b *Broker) SetQuota(topic string, n int) { // want SetQuota:"mayBlock"
	release := b.iso.Isolate()
	defer release()
	b.topics[topic] = n
}

func (b *Broker) Close() { b.wg.Wait() } // want Close:"mayBlock"
