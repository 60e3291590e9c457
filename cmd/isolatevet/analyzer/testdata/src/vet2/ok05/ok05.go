// Package ok05 is a crawler: workers are members that share a visited set;
// helpers take the Member and open their own scopes around what blocks.
package ok05

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/isolatekit/isolate"
)

type Crawler struct {
	iso     isolate.Isolator
	client  *http.Client
	visited map[string]bool
	queue   chan string
	found   chan string
}

// fetch downloads a page in a harmless scope.
func fetch(ctx context.Context, m isolate.Member, c *http.Client, url string) ([]byte, error) {
	defer m.Harmless().End()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", url, resp.Status)
	}
	return io.ReadAll(resp.Body)
}

// next waits for the next URL idle.
func next(m isolate.Member, q <-chan string) (string, bool) {
	sc := m.Idle()
	defer sc.End()
	u, ok := <-q
	return u, ok
}

// seen reads the shared set; it needs the member running, as on entry.
func (c *Crawler) seen(m isolate.Member, url string) bool {
	return c.visited[url]
}

func (c *Crawler) mark(m isolate.Member, url string) {
	release := m.Isolate()
	c.visited[url] = true
	release()
}

func (c *Crawler) emit(m isolate.Member, url string) {
	h := m.Harmless()
	c.found <- url
	h.End()
}

func (c *Crawler) worker(ctx context.Context, wg *sync.WaitGroup) {
	defer wg.Done()
	m := c.iso.Join()
	defer m.Leave()
	for {
		url, ok := next(m, c.queue)
		if !ok {
			return
		}
		if c.seen(m, url) {
			continue
		}
		c.mark(m, url)
		body, err := fetch(ctx, m, c.client, url)
		if err != nil {
			continue
		}
		if len(body) > 0 {
			c.emit(m, url)
		}
	}
}

func (c *Crawler) Run(ctx context.Context, n int) { // want Run:"mayBlock"
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go c.worker(ctx, &wg)
	}
	wg.Wait()
}
