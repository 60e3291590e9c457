// Package ok39 is a small key-value server speaking a line protocol: each
// connection's state (member, reader, writer) lives in a struct, and its
// methods open their own scopes.
package ok39

import (
	"bufio"
	"fmt"
	"net"
	"strings"

	"github.com/isolatekit/isolate"
)

type Server struct {
	iso  isolate.Isolator
	data map[string]string
	sem  chan struct{}
}

type session struct {
	srv  *Server
	m    isolate.Member
	conn net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
}

func (s *Server) Serve(ln net.Listener) error { // want Serve:"mayBlock"
	for {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		go s.handle(c)
	}
}

func (s *Server) handle(c net.Conn) {
	ss := &session{srv: s, m: s.iso.JoinNamed(c.RemoteAddr().String()), conn: c, r: bufio.NewReader(c), w: bufio.NewWriter(c)}
	defer ss.m.Leave()
	defer c.Close()
	for {
		cmd, err := ss.readCommand()
		if err != nil {
			return
		}
		if err := ss.exec(cmd); err != nil {
			return
		}
	}
}

func (ss *session) readCommand() ([]string, error) {
	sc := ss.m.Idle()
	line, err := ss.r.ReadString('\n')
	sc.End()
	if err != nil {
		return nil, err
	}
	return strings.Fields(line), nil
}

func (ss *session) reply(format string, args ...any) error {
	fmt.Fprintf(ss.w, format, args...)
	h := ss.m.Harmless()
	defer h.End()
	return ss.w.Flush()
}

func (ss *session) exec(cmd []string) error {
	if len(cmd) == 0 {
		return nil
	}
	switch strings.ToUpper(cmd[0]) {
	case "GET":
		if len(cmd) != 2 {
			return ss.reply("-ERR arity\r\n")
		}
		return ss.reply("$%s\r\n", ss.srv.data[cmd[1]])
	case "SET":
		if len(cmd) != 3 {
			return ss.reply("-ERR arity\r\n")
		}
		h := ss.m.Harmless()
		ss.srv.sem <- struct{}{}
		h.End()
		release := ss.m.Isolate()
		ss.srv.data[cmd[1]] = cmd[2]
		release()
		<-ss.srv.sem
		return ss.reply("+OK\r\n")
	}
	return ss.reply("-ERR unknown command %q\r\n", cmd[0])
}
