package main

import (
	"bytes"
	"fmt"
	"strconv"
)

// The commands, over a key space that the connections share. How they
// share it is the backend's business: dispatch calls its store for every
// access, on the connection's goroutine, inside the command hook.

// A store is the shared key space as one backend guards it. c is the
// connection whose command asks.
type store interface {
	// get returns key's value. The value is never changed once stored
	// (set stores a new slice), so the caller may use it until the
	// command returns.
	get(c *conn, key []byte) ([]byte, bool)
	// set stores val under key; val is the store's from then on.
	set(c *conn, key string, val []byte)
	// del removes key and reports whether it was there.
	del(c *conn, key string) bool
	// size returns the number of keys.
	size(c *conn) int
}

// dispatch runs one command and appends its reply to c's output.
func dispatch(c *conn, args [][]byte, s store, info func() string) {
	var name [16]byte
	n := copy(name[:], args[0])
	for i := range n {
		if 'a' <= name[i] && name[i] <= 'z' {
			name[i] -= 'a' - 'A'
		}
	}
	switch cmd := string(name[:n]); {
	case cmd == "GET" && len(args) == 2:
		if v, ok := s.get(c, args[1]); ok {
			c.writeBulk(v)
		} else {
			c.writeNull()
		}
	case cmd == "SET" && len(args) == 3:
		// Copy out of the read buffer before the exclusive section:
		// the section stays as short as the map assignment.
		s.set(c, string(args[1]), bytes.Clone(args[2]))
		c.writeString("OK")
	case cmd == "DEL" && len(args) >= 2:
		var gone int64
		for _, k := range args[1:] {
			if s.del(c, string(k)) {
				gone++
			}
		}
		c.writeInt(gone)
	case cmd == "DBSIZE" && len(args) == 1:
		c.writeInt(int64(s.size(c)))
	case cmd == "PING" && len(args) <= 2:
		if len(args) == 2 {
			c.writeBulk(args[1])
		} else {
			c.writeString("PONG")
		}
	case cmd == "ECHO" && len(args) == 2:
		c.writeBulk(args[1])
	case cmd == "INFO":
		c.writeBulk([]byte(info()))
	case cmd == "CONFIG" && len(args) == 3 && bytes.EqualFold(args[1], []byte("GET")):
		// redis-benchmark asks for these two at start.
		switch string(bytes.ToLower(args[2])) {
		case "save":
			c.writeArray(2)
			c.writeBulk([]byte("save"))
			c.writeBulk(nil)
		case "appendonly":
			c.writeArray(2)
			c.writeBulk([]byte("appendonly"))
			c.writeBulk([]byte("no"))
		default:
			c.writeArray(0)
		}
	case cmd == "COMMAND":
		c.writeArray(0)
	case cmd == "QUIT":
		c.writeString("OK")
		c.quit = true
	case cmd == "GET" || cmd == "SET" || cmd == "DEL" || cmd == "DBSIZE" || cmd == "PING" || cmd == "ECHO" || cmd == "CONFIG":
		c.writeError(fmt.Sprintf("ERR wrong number of arguments for '%s' command", bytes.ToLower(args[0])))
	default:
		c.writeError("ERR unknown command " + strconv.Quote(string(args[0])))
	}
}
