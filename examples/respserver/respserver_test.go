package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if a test leaves a goroutine behind: every
// connection's goroutine ends when the server closes.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// modes returns the lock modes.
func modes() []string { return []string{modeIsolate, modeIsolateDo, modeRWMutex} }

// start serves mode on a loopback port until the test ends.
func start(t *testing.T, mode string) (addr string, srv *server, b backend) {
	t.Helper()
	srv, b, err := listen("127.0.0.1:0", mode)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.serve() }()
	t.Cleanup(func() {
		if err := srv.close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		if ib, ok := b.(*isolateBackend); ok {
			if n := ib.iso.Stats().Members; n != 0 {
				t.Errorf("%d members still joined after every connection closed", n)
			}
		}
	})
	return srv.ln.Addr().String(), srv, b
}

// client is a RESP client: it pipelines commands and reads their replies.
type client struct {
	nc net.Conn
	r  *bufio.Reader
	w  *bufio.Writer
}

func dial(addr string) (*client, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{nc: nc, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}, nil
}

// send queues a command as a RESP array.
func (c *client) send(args ...string) {
	fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
}

// reply reads one reply: "+OK", "-ERR ...", ":3", "$value" (a bulk
// string), "nil" (a null bulk string) or "*n" (an array's header).
func (c *client) reply() (string, error) {
	line, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return "", errors.New("empty reply line")
	}
	switch line[0] {
	case '+', '-', ':', '*':
		return line, nil
	case '$':
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return "", fmt.Errorf("bulk length %q", line)
		}
		if n < 0 {
			return "nil", nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, b); err != nil {
			return "", err
		}
		return "$" + string(b[:n]), nil
	}
	return "", fmt.Errorf("unexpected reply %q", line)
}

// do sends the commands, flushes and returns their replies.
func (c *client) do(cmds ...[]string) ([]string, error) {
	for _, cmd := range cmds {
		c.send(cmd...)
	}
	if err := c.w.Flush(); err != nil {
		return nil, err
	}
	var out []string
	for range cmds {
		r, err := c.reply()
		if err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

func cmd(args ...string) []string { return args }

// Each command answers as Redis does, in every mode; QUIT closes the
// connection after its reply; an inline command works as redis-cli sends
// it by hand.
func TestCommands(t *testing.T) {
	for _, mode := range modes() {
		t.Run(mode, func(t *testing.T) {
			addr, _, _ := start(t, mode)
			c, err := dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.nc.Close()
			got, err := c.do(cmd("PING"), cmd("SET", "k", "v1"), cmd("GET", "k"), cmd("get", "none"),
				cmd("SET", "k", "v2"), cmd("GET", "k"), cmd("DBSIZE"), cmd("DEL", "k", "none"), cmd("GET", "k"),
				cmd("ECHO", "hi"), cmd("SET", "k"), cmd("NOSUCH"), cmd("CONFIG", "GET", "appendonly"), cmd("COMMAND"))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"+PONG", "+OK", "$v1", "nil", "+OK", "$v2", ":1", ":1", "nil", "$hi",
				"-ERR wrong number of arguments for 'set' command", `-ERR unknown command "NOSUCH"`, "*2", "$appendonly"}
			for i := range want[:len(want)-1] {
				if i >= len(got) || got[i] != want[i] {
					t.Fatalf("replies %q, want %q", got, want)
				}
			}
			// The rest of CONFIG GET's array, then COMMAND's.
			if r, _ := c.reply(); r != "$no" {
				t.Errorf("CONFIG GET appendonly: value %q", r)
			}
			if r, _ := c.reply(); r != "*0" {
				t.Errorf("COMMAND: %q", r)
			}
			if _, err := fmt.Fprintf(c.nc, "set inline  v3\r\nGET inline\r\n"); err != nil {
				t.Fatal(err)
			}
			if a, _ := c.reply(); a != "+OK" {
				t.Errorf("inline SET: %q", a)
			}
			if b, _ := c.reply(); b != "$v3" {
				t.Errorf("inline GET: %q", b)
			}
			if got, err := c.do(cmd("QUIT")); err != nil || got[0] != "+OK" {
				t.Errorf("QUIT: %q %v", got, err)
			}
			if _, err := c.r.ReadByte(); err != io.EOF {
				t.Errorf("after QUIT: %v, want EOF", err)
			}
		})
	}
}

// A request the protocol does not allow gets an error reply, and the
// connection closes.
func TestProtocolError(t *testing.T) {
	addr, _, _ := start(t, modeIsolate)
	c, err := dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.nc.Close()
	fmt.Fprintf(c.nc, "*1\r\n+PING\r\n")
	if r, _ := c.reply(); !strings.HasPrefix(r, "-ERR Protocol error") {
		t.Errorf("reply %q, want a protocol error", r)
	}
	if _, err := c.r.ReadByte(); err != io.EOF {
		t.Errorf("after a protocol error: %v, want EOF", err)
	}
}
