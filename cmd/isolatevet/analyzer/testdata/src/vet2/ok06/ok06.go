// Package ok06 keeps each connection's member in a struct field: the
// constructor joins, the serve loop leaves.
package ok06

import (
	"bufio"
	"net"
	"strings"
	"sync"

	"github.com/isolatekit/isolate"
)

type Hub struct {
	iso   isolate.Isolator
	rooms map[string][]string
	mu    sync.Mutex
	log   []string
}

type client struct {
	hub  *Hub
	m    isolate.Member
	conn net.Conn
	r    *bufio.Reader
	send chan string
}

func (h *Hub) newClient(c net.Conn) *client {
	return &client{
		hub:  h,
		m:    h.iso.JoinNamed("client"),
		conn: c,
		r:    bufio.NewReader(c),
		send: make(chan string, 16),
	}
}

func (c *client) readLoop() {
	defer c.m.Leave()
	defer c.conn.Close()
	for {
		sc := c.m.Idle()
		line, err := c.r.ReadString('\n')
		sc.End()
		if err != nil {
			return
		}
		room := strings.TrimSpace(line)
		members := c.hub.rooms[room]
		h := c.m.Harmless()
		for _, who := range members {
			c.send <- who
		}
		h.End()
	}
}

// note appends to a log guarded by a mutex, from a harmless scope.
func (c *client) note(s string) {
	defer c.m.Harmless().End()
	c.hub.mu.Lock()
	c.hub.log = append(c.hub.log, s)
	c.hub.mu.Unlock()
}

func (h *Hub) Accept(ln net.Listener) { // want Accept:"mayBlock"
	for {
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		c := h.newClient(conn)
		go c.readLoop()
	}
}

// Join a room: the change needs the hub alone.
func (c *client) joinRoom(room, name string) {
	defer c.m.Isolate()()
	c.hub.rooms[room] = append(c.hub.rooms[room], name)
}
