// Package bug07 retries a flaky upstream with backoff, sleeping while the
// member runs.
package bug07

import (
	"errors"
	"time"

	"github.com/isolatekit/isolate"
)

type Upstream interface {
	Send(key string, v int) error
}

type Replicator struct {
	iso     isolate.Isolator
	state   map[string]int
	up      Upstream
	backoff time.Duration
}

var errGiveUp = errors.New("upstream unavailable")

func (r *Replicator) push(m isolate.Member, key string) error {
	v := r.state[key]
	for attempt := 0; attempt < 5; attempt++ {
		h := m.Harmless()
		err := r.up.Send(key, v)
		h.End()
		if err == nil {
			return nil
		}
		time.Sleep(r.backoff << attempt) // want `time\.Sleep blocks while m runs`
	}
	return errGiveUp
}

func (r *Replicator) Loop(keys <-chan string) {
	m := r.iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		k, ok := <-keys
		sc.End()
		if !ok {
			return
		}
		if err := r.push(m, k); err != nil {
			continue
		}
	}
}
