package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
)

// The callback-style framework this server is written on, in the shape of
// the Go RESP frameworks (redcon, gnet-style servers): the application
// gives three funcs and never sees a goroutine.
//
//	open     on the accept loop's goroutine, once per connection, before
//	         any command; it may set the connection's context
//	command  on the connection's own goroutine, once per command, in order
//	close    on the connection's goroutine, once, after its last command
//
// A reply is appended to the connection's output buffer, which the
// framework flushes when it has run every command already read (a
// pipelined run of commands gets one write): command never blocks on the
// network, and between two commands the connection's goroutine waits in a
// read or a write that the application does not see.

// hooks are the application's three funcs.
type hooks struct {
	open    func(c *conn)
	command func(c *conn, args [][]byte)
	close   func(c *conn, err error)
}

// conn is one client connection.
type conn struct {
	nc  net.Conn
	r   *bufio.Reader
	out []byte
	// args and buf are the current command's arguments, which alias buf:
	// valid until command returns.
	args [][]byte
	buf  []byte
	ends []int
	// context is the application's, set in open.
	context any
	// quit, set by a command, closes the connection after its replies.
	quit bool
	// served counts commands not yet added to the server's count.
	served uint64
}

// maxArg bounds one argument and maxArgs the arguments of one command.
const (
	maxArg  = 1 << 20
	maxArgs = 1024
	// flushAt is the size of buffered replies at which the framework
	// writes them out even with more commands read.
	flushAt = 64 << 10
)

// server serves a listener with hooks.
type server struct {
	h  hooks
	ln net.Listener
	// requests counts the commands run, added per flush.
	requests atomic.Uint64

	mu     sync.Mutex
	conns  map[*conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func newServer(ln net.Listener, h hooks) *server {
	return &server{h: h, ln: ln, conns: map[*conn]struct{}{}}
}

// serve accepts connections until the listener is closed (by close),
// calling open for each on this goroutine and serving it on a goroutine
// of its own.
func (s *server) serve() error {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			return err
		}
		c := &conn{nc: nc, r: bufio.NewReaderSize(nc, 16<<10)}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return nil
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		s.h.open(c)
		go s.run(c) // the go statement orders open before every command
	}
}

// close stops accepting, closes every connection and waits until each has
// run its close hook.
func (s *server) close() error {
	s.mu.Lock()
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		c.nc.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// run is a connection's goroutine: read a command, run it, flush when no
// more are buffered, until the client goes or a command quits.
func (s *server) run(c *conn) {
	err := s.loop(c)
	if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
		err = nil
	}
	s.h.close(c, err)
	c.nc.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.wg.Done()
}

func (s *server) loop(c *conn) error {
	for {
		if err := c.read(); err != nil {
			var pe protocolError
			if errors.As(err, &pe) {
				c.writeError("ERR Protocol error: " + pe.msg)
				s.flush(c)
			}
			return err
		}
		if len(c.args) > 0 {
			s.h.command(c, c.args)
			c.served++
		}
		if c.quit || c.r.Buffered() == 0 || len(c.out) >= flushAt {
			if err := s.flush(c); err != nil || c.quit {
				return err
			}
		}
	}
}

// flush writes the buffered replies and counts the commands they answer.
func (s *server) flush(c *conn) error {
	s.requests.Add(c.served)
	c.served = 0
	if len(c.out) == 0 {
		return nil
	}
	_, err := c.nc.Write(c.out)
	c.out = c.out[:0]
	return err
}

type protocolError struct{ msg string }

func (e protocolError) Error() string { return "protocol error: " + e.msg }

// read reads one command: a RESP array of bulk strings, or an inline
// command (words on a line), as redis-cli and redis-benchmark send them.
func (c *conn) read() error {
	c.args, c.buf = c.args[:0], c.buf[:0]
	line, err := c.line()
	if err != nil {
		return err
	}
	if len(line) == 0 || line[0] != '*' {
		return c.inline(line)
	}
	n, err := strconv.Atoi(string(line[1:]))
	if err != nil || n < 0 || n > maxArgs {
		return protocolError{"invalid multibulk length"}
	}
	c.ends = c.ends[:0]
	for range n {
		line, err := c.line()
		if err != nil {
			return err
		}
		if len(line) == 0 || line[0] != '$' {
			return protocolError{fmt.Sprintf("expected '$', got %q", line)}
		}
		size, err := strconv.Atoi(string(line[1:]))
		if err != nil || size < 0 || size > maxArg {
			return protocolError{"invalid bulk length"}
		}
		start := len(c.buf)
		c.buf = grow(c.buf, size+2)
		if _, err := io.ReadFull(c.r, c.buf[start:]); err != nil {
			return err
		}
		if c.buf[len(c.buf)-2] != '\r' || c.buf[len(c.buf)-1] != '\n' {
			return protocolError{"bulk string not ended by CRLF"}
		}
		c.buf = c.buf[:len(c.buf)-2]
		c.ends = append(c.ends, len(c.buf))
	}
	start := 0
	for _, end := range c.ends {
		c.args = append(c.args, c.buf[start:end:end])
		start = end
	}
	return nil
}

// line reads a line without its CRLF (or LF).
func (c *conn) line() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, protocolError{"line too long"}
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, nil
}

// inline splits an inline command's line into words.
func (c *conn) inline(line []byte) error {
	c.buf = append(c.buf, line...)
	start := -1
	for i := 0; i <= len(c.buf); i++ {
		space := i == len(c.buf) || c.buf[i] == ' ' || c.buf[i] == '\t'
		switch {
		case !space && start < 0:
			start = i
		case space && start >= 0:
			c.args = append(c.args, c.buf[start:i:i])
			start = -1
		}
	}
	return nil
}

// Replies, appended to the output buffer.

func (c *conn) writeString(s string) { c.out = append(append(append(c.out, '+'), s...), "\r\n"...) }

func (c *conn) writeError(s string) { c.out = append(append(append(c.out, '-'), s...), "\r\n"...) }

func (c *conn) writeInt(n int64) {
	c.out = append(strconv.AppendInt(append(c.out, ':'), n, 10), "\r\n"...)
}

func (c *conn) writeBulk(b []byte) {
	c.out = append(strconv.AppendInt(append(c.out, '$'), int64(len(b)), 10), "\r\n"...)
	c.out = append(append(c.out, b...), "\r\n"...)
}

func (c *conn) writeNull() { c.out = append(c.out, "$-1\r\n"...) }

func (c *conn) writeArray(n int) {
	c.out = append(strconv.AppendInt(append(c.out, '*'), int64(n), 10), "\r\n"...)
}

// grow returns b extended by n bytes, reusing its capacity.
func grow(b []byte, n int) []byte {
	if cap(b)-len(b) < n {
		nb := make([]byte, len(b), 2*cap(b)+n)
		copy(nb, b)
		b = nb
	}
	return b[:len(b)+n]
}
