// Command respserver is a key-value server that speaks RESP (the Redis
// protocol: redis-cli and redis-benchmark talk to it), written on a
// callback-style framework: connection hooks (open, close) and a command
// handler are separate funcs, run on different goroutines (see resp.go).
// The connections share one map of keys.
//
// With -lock isolate each connection is a member of an isolate.Isolator,
// joined idle in the open hook and running only inside the command hook
// (Busy): GET reads the map with no lock, SET isolates the member.
// -lock isolate-do makes SET a combined section (Member.Do). -lock
// rwmutex runs the same commands over a sync.RWMutex, to compare.
//
// Usage:
//
//	respserver [-addr 127.0.0.1:6380] [-lock isolate|isolate-do|rwmutex]
//
// Commands: GET, SET, DEL, DBSIZE, PING, ECHO, INFO (the requests served
// and the server's CPU time), CONFIG GET, COMMAND, QUIT. The server listens
// on a loopback address only.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Lock modes, as the -lock flag spells them.
const (
	modeIsolate   = "isolate"
	modeIsolateDo = "isolate-do"
	modeRWMutex   = "rwmutex"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:6380", "address to listen on (loopback only)")
	lock := flag.String("lock", modeIsolate, "how connections share the keys: isolate, isolate-do or rwmutex")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	srv, _, err := listen(*addr, *lock)
	if err != nil {
		log.Error("respserver", "err", err)
		os.Exit(1)
	}
	log.Info("listening", "addr", srv.ln.Addr().String(), "lock", *lock)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		srv.close()
	}()
	if err := srv.serve(); err != nil {
		log.Error("respserver", "err", err)
		os.Exit(1)
	}
}

// backend is the three funcs of one lock mode.
type backend interface {
	open(c *conn)
	command(c *conn, args [][]byte)
	close(c *conn, err error)
}

// listen listens on addr, a loopback address, and returns the server for
// mode, not yet serving, and its backend.
func listen(addr, mode string) (*server, backend, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, err
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil, nil, fmt.Errorf("address %q: listen on a loopback address only", addr)
	}
	var srv *server
	info := func() string { return srv.info(mode) }
	var b backend
	switch mode {
	case modeIsolate, modeIsolateDo:
		ib := newIsolateBackend(mode == modeIsolateDo)
		ib.info = info
		b = ib
	case modeRWMutex:
		rb := newRWMutexBackend()
		rb.info = info
		b = rb
	default:
		return nil, nil, fmt.Errorf("-lock %q: want %s, %s or %s", mode, modeIsolate, modeIsolateDo, modeRWMutex)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	srv = newServer(ln, hooks{open: b.open, command: b.command, close: b.close})
	return srv, b, nil
}

// info is INFO's reply: the commands served so far (answered and flushed)
// and the process's CPU time, for CPU per request.
func (s *server) info(mode string) string {
	cpu, _ := processCPU()
	return fmt.Sprintf("# respserver\r\nlock:%s\r\nrequests:%d\r\ncpu_us:%d\r\n",
		mode, s.requests.Load(), cpu/time.Microsecond)
}
