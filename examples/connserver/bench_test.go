package main

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkHandler calls the session update handler directly, without
// the network, so that the guard's share of a request shows: each
// parallel goroutine updates its own session; with "dump", another
// goroutine dumps the whole table every 100 µs meanwhile.
func BenchmarkHandler(b *testing.B) {
	for _, mode := range []string{modeIsolate, modeRWMutex} {
		for _, dumps := range []bool{false, true} {
			name := mode
			if dumps {
				name += "+dump"
			}
			b.Run(name, func(b *testing.B) { benchHandler(b, mode, dumps) })
		}
	}
}

func benchHandler(b *testing.B, mode string, dumps bool) {
	g, err := newGuard(mode, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	h := newHandler(g)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for dumps {
			select {
			case <-stop:
				return
			case <-time.After(100 * time.Microsecond):
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/debug/conns", nil))
		}
	}()
	var next atomic.Int64
	payload := bytes.Repeat([]byte("x"), 256)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		path := fmt.Sprintf("/session/bench-%d", next.Add(1))
		for pb.Next() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, path, bytes.NewReader(payload)))
			if w.Code != http.StatusOK {
				b.Errorf("%s: %d %s", path, w.Code, w.Body)
				return
			}
		}
	})
	b.StopTimer()
	close(stop)
	<-stopped
}
