// Package ok03 is a line-based TCP service: one goroutine per connection,
// each a member that reads a shared session table.
package ok03

import (
	"bufio"
	"errors"
	"io"
	"log"
	"net"
	"strings"
	"time"

	"github.com/isolatekit/isolate"
)

type Service struct {
	iso      isolate.Isolator
	sessions map[string]string
	idle     time.Duration
}

func (s *Service) Serve(ln net.Listener) error { // want Serve:"mayBlock"
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			return err
		}
		go s.handle(conn)
	}
}

func (s *Service) handle(conn net.Conn) {
	defer conn.Close()
	m := s.iso.JoinNamed("conn " + conn.RemoteAddr().String())
	defer m.Leave()
	buf := make([]byte, 4096)
	for {
		if err := conn.SetReadDeadline(time.Now().Add(s.idle)); err != nil {
			return
		}
		sc := m.Idle()
		n, err := conn.Read(buf)
		sc.End()
		if err != nil {
			if err != io.EOF {
				log.Printf("%s: read: %v", conn.RemoteAddr(), err)
			}
			return
		}
		reply := s.lookup(strings.TrimSpace(string(buf[:n])))
		h := m.Harmless()
		_, err = conn.Write([]byte(reply + "\n"))
		h.End()
		if err != nil {
			return
		}
	}
}

func (s *Service) lookup(key string) string {
	if v, ok := s.sessions[key]; ok {
		return v
	}
	return "?"
}

// handleLines is the same service with a bufio.Reader and a deferred scope
// around the whole write path.
func (s *Service) handleLines(conn net.Conn) error {
	m := s.iso.Join()
	defer m.Leave()
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	for {
		sc := m.Idle()
		line, err := r.ReadString('\n')
		sc.End()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.reply(m, w, s.lookup(strings.TrimSpace(line))); err != nil {
			return err
		}
	}
}

func (s *Service) reply(m isolate.Member, w *bufio.Writer, v string) error {
	defer m.Harmless().End()
	if _, err := w.WriteString(v + "\n"); err != nil {
		return err
	}
	return w.Flush()
}

// Drop removes a session; the admin goroutine calls it.
func (s *Service) Drop(key string) { // want Drop:"mayBlock"
	release := s.iso.Isolate()
	delete(s.sessions, key)
	release()
}
