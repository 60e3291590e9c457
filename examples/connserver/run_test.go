package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestServe serves a few calls the way main does, then stops the server
// through its context.
func TestServe(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, mode := range []string{modeIsolate, modeRWMutex} {
		srv, err := newServer(mode, log)
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- serve(ctx, srv, ln, log) }()

		tr := &http.Transport{}
		c := &client{base: "http://" + ln.Addr().String(), http: &http.Client{Transport: tr}}
		if _, err := c.get("/session/nobody"); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("%s: GET of an unknown session: %v, want 404", mode, err)
		}
		if _, err := c.post("/session/a", []byte("hello")); err != nil {
			t.Errorf("%s: %v", mode, err)
		}
		if _, err := c.post("/admin/resize?capacity=0", nil); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("%s: resize to 0: %v, want 400", mode, err)
		}
		if _, err := c.post("/session/a", make([]byte, maxBody+1)); err == nil || !strings.Contains(err.Error(), "413") {
			t.Errorf("%s: oversized body: %v, want 413", mode, err)
		}
		d, err := c.dump()
		if err != nil {
			t.Fatal(err)
		}
		if want := (totalsView{Sessions: 1, Requests: 1, BytesIn: 5, BytesOut: d.Sessions[0].BytesOut}); d.Totals != want || want.BytesOut == 0 || d.Lock != mode {
			t.Errorf("%s: dump %+v, want totals %+v", mode, d, want)
		}
		tr.CloseIdleConnections()
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve(%s): %v", mode, err)
		}
	}
}

// TestRunRefuses checks the flags that run refuses.
func TestRunRefuses(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, c := range []struct{ addr, mode string }{
		{"0.0.0.0:0", modeIsolate},
		{":0", modeIsolate},
		{"example.com:80", modeIsolate},
		{"127.0.0.1", modeIsolate},
		{"127.0.0.1:0", "spinlock"},
	} {
		if err := run(context.Background(), c.addr, c.mode, log); err == nil {
			t.Errorf("run(%q, %q) succeeded", c.addr, c.mode)
		}
	}
	for _, addr := range []string{"127.0.0.1:8080", "[::1]:8080", "localhost:8080", "127.0.0.2:1"} {
		if err := checkLoopback(addr); err != nil {
			t.Errorf("checkLoopback(%q): %v", addr, err)
		}
	}
}
