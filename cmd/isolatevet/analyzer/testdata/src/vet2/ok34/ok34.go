// Package ok34 is a rate-limited fetcher: a token bucket channel, a client
// call in a harmless scope, retries that sleep idle.
package ok34

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/isolatekit/isolate"
)

type Fetcher struct {
	iso     isolate.Isolator
	tokens  chan struct{}
	client  *http.Client
	results map[string]int
}

var errGaveUp = errors.New("gave up")

func (f *Fetcher) fetch(ctx context.Context, m isolate.Member, url string) error {
	for attempt := 0; attempt < 3; attempt++ {
		idle := m.Idle()
		select {
		case <-f.tokens:
		case <-ctx.Done():
			idle.End()
			return ctx.Err()
		}
		idle.End()
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
		if err != nil {
			return err
		}
		h := m.Harmless()
		resp, err := f.client.Do(req)
		h.End()
		if err == nil {
			resp.Body.Close()
			release := m.Isolate()
			f.results[url] = resp.StatusCode
			release()
			return nil
		}
		idle = m.Idle()
		time.Sleep(time.Duration(attempt+1) * 100 * time.Millisecond)
		idle.End()
	}
	return errGaveUp
}

func (f *Fetcher) Run(ctx context.Context, urls []string) {
	m := f.iso.Join()
	defer m.Leave()
	for _, u := range urls {
		if err := f.fetch(ctx, m, u); errors.Is(err, context.Canceled) {
			return
		}
	}
}
