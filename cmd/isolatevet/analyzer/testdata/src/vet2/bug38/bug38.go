// Package bug38 hands its member to a background flusher goroutine.
package bug38

import (
	"time"

	"github.com/isolatekit/isolate"
)

type Buffer struct {
	iso   isolate.Isolator
	lines []string
	out   chan []string
}

func (b *Buffer) Run(in <-chan string) {
	m := b.iso.Join()
	defer m.Leave()
	go func() {
		for {
			time.Sleep(time.Second)
			release := m.Isolate() // want `m is used in a goroutine it did not join in`
			batch := b.lines
			b.lines = nil
			release()
			b.out <- batch
		}
	}()
	for {
		sc := m.Idle()
		l, ok := <-in
		sc.End()
		if !ok {
			return
		}
		b.lines = append(b.lines, l)
	}
}
