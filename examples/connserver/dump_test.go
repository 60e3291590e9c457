package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestDumpConsistent calls the handlers directly, without the network, so
// that counters move far faster than over HTTP: writers update their
// sessions while a dumper takes dumps, and every dump must still have its
// sessions sum to its totals. A dump taken with shared access instead of
// exclusive access fails this test (a few dumps in a thousand catch a
// request between its session's counters and the totals). Writers stop
// after updates calls or budget, whichever comes first.
func TestDumpConsistent(t *testing.T) {
	writers, updates, budget := 4, 5000, 2*time.Second
	if testing.Short() {
		updates, budget = 1000, 500*time.Millisecond
	}
	for _, mode := range []string{modeIsolate, modeRWMutex} {
		t.Run(mode, func(t *testing.T) {
			g, err := newGuard(mode, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			h := newHandler(g)
			deadline := time.Now().Add(budget)
			var wg sync.WaitGroup
			var made atomic.Int64
			done := make(chan struct{})
			for i := range writers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					path := fmt.Sprintf("/session/w%d", i)
					body := bytes.Repeat([]byte("x"), 1+i)
					for range updates {
						if time.Now().After(deadline) {
							return
						}
						made.Add(1)
						w := httptest.NewRecorder()
						h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body)))
						if w.Code != http.StatusOK {
							t.Errorf("%s: %d %s", path, w.Code, w.Body)
							return
						}
					}
				}()
			}
			go func() { wg.Wait(); close(done) }()
			inconsistent, dumps := 0, 0
			for running := true; running; dumps++ {
				select {
				case <-done:
					running = false // one last dump after the writers
				default:
				}
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/conns", nil))
				var d dump
				if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
					t.Errorf("dump: %v in %q", err, w.Body)
					break
				}
				if err := d.check(); err != nil {
					if inconsistent == 0 {
						t.Error(err)
					}
					inconsistent++
				}
			}
			<-done
			if inconsistent > 0 {
				t.Errorf("%d of %d dumps inconsistent", inconsistent, dumps)
			} else {
				t.Logf("%d dumps during %d updates, all consistent", dumps, made.Load())
			}
		})
	}
}
