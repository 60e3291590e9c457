// Command connserver is a small HTTP server whose handlers share a session
// table without taking a lock: each request is a member of an
// isolate.Isolator, harmless while it reads the request or writes the
// reply, and the rare operations that need the table still (a consistent
// dump, a rebuild, adding a session) isolate themselves. It is HAProxy's
// "show fd" case: inspect a table that every thread updates, without
// making every update pay for the inspection.
//
// The same handlers run over a sync.RWMutex with -lock=rwmutex, to compare
// the two under the same load.
//
// Usage:
//
//	connserver [-addr 127.0.0.1:8080] [-lock isolate|rwmutex]
//
// Endpoints:
//
//	POST /session/{id}     count a request (its body's bytes) for session id
//	GET  /session/{id}     the session's counters
//	GET  /debug/conns      a consistent dump of the table, with totals
//	POST /admin/resize     rebuild the table (?capacity=N)
//	GET  /debug/isolate    the Isolator's Stats and Blockers
//
// The server listens on a loopback address only.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (loopback only)")
	lock := flag.String("lock", modeIsolate, "how handlers share the table: isolate or rwmutex")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, *lock, log); err != nil {
		log.Error("connserver", "err", err)
		os.Exit(1)
	}
}

// run serves on addr until ctx is done, then shuts down gracefully.
func run(ctx context.Context, addr, mode string, log *slog.Logger) error {
	if err := checkLoopback(addr); err != nil {
		return err
	}
	srv, err := newServer(mode, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Info("listening", "addr", ln.Addr().String(), "lock", mode)
	return serve(ctx, srv, ln, log)
}

// serve runs srv on ln until ctx is done, then shuts it down: it stops
// accepting, closes idle connections and waits for requests in flight.
func serve(ctx context.Context, srv *http.Server, ln net.Listener, log *slog.Logger) error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// newServer returns an http.Server for the session table API whose
// handlers share the table as mode says. Its errors go to log.
func newServer(mode string, log *slog.Logger) (*http.Server, error) {
	g, err := newGuard(mode, log)
	if err != nil {
		return nil, err
	}
	return &http.Server{
		Handler:           newHandler(g),
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}, nil
}

// checkLoopback refuses an address that is not on a loopback interface:
// the debug and admin endpoints have no authentication.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("address %q: listen on a loopback address only (127.0.0.1, [::1], localhost)", addr)
	}
	return nil
}
