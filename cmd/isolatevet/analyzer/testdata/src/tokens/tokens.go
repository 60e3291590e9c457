// A channel used as a semaphore: the slot a func took, it gives back
// without waiting.
package tokens

import (
	"context"

	"github.com/isolatekit/isolate"
)

type proxy struct {
	sem  chan struct{}
	reqs chan int
}

func (p *proxy) slot(m isolate.Member) {
	h := m.Harmless()
	p.sem <- struct{}{}
	h.End()
	<-p.sem // the func's own slot: never waits
}

func (p *proxy) slotSelect(ctx context.Context, m isolate.Member) error {
	sc := m.Harmless()
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		sc.End()
		return ctx.Err()
	}
	sc.End()
	defer func() { <-p.sem }()
	return nil
}

// A request and its reply on one channel: the reply waits.
func (p *proxy) pingPong(m isolate.Member, v int) {
	h := m.Harmless()
	p.reqs <- v
	h.End()
	<-p.reqs // want `<-p.reqs blocks while m runs`
}

// A receive with no send before it waits.
func (p *proxy) releaseAlone(m isolate.Member) {
	<-p.sem // want `<-p.sem blocks while m runs`
}

// A taken token put back: the send may wait for all this func knows.
func (p *proxy) baton(m isolate.Member) {
	sc := m.Idle()
	<-p.sem
	sc.End()
	p.sem <- struct{}{} // want `send on p.sem blocks while m runs`
}

// Another channel's receive is no give-back.
func (p *proxy) other(m isolate.Member, done chan struct{}) {
	h := m.Harmless()
	p.sem <- struct{}{}
	h.End()
	<-done // want `<-done blocks while m runs`
}
