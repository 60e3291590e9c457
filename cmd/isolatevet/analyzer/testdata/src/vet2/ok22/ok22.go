// Package ok22 hands its member to a session object that owns it from then
// on, or leaves it when the session cannot start.
package ok22

import (
	"errors"

	"github.com/isolatekit/isolate"
)

type Session struct {
	m     isolate.Member
	user  string
	store map[string][]string
}

func newSession(m isolate.Member, user string, store map[string][]string) (*Session, error) {
	if user == "" {
		return nil, errors.New("anonymous session")
	}
	return &Session{m: m, user: user, store: store}, nil
}

func (s *Session) Close() { s.m.Leave() }

type Server struct {
	iso   isolate.Isolator
	store map[string][]string
}

func (srv *Server) Open(user string) (*Session, error) {
	m := srv.iso.Join()
	s, err := newSession(m, user, srv.store)
	if err != nil {
		m.Leave()
		return nil, err
	}
	return s, nil
}

func (srv *Server) Peek(user string) int {
	m := srv.iso.Join()
	defer m.Leave()
	return len(srv.store[user])
}
