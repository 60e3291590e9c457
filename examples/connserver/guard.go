package main

import (
	"fmt"
	"log/slog"
)

// A guard decides how request handlers share the session table. There are
// two, with the same handlers on top, so that they can be compared under
// the same load: [isolateGuard], where handlers are members of an
// isolate.Isolator and take no lock, and [rwmutexGuard], a sync.RWMutex.
type guard interface {
	// enter begins one request's use of the table; name says who it is in
	// reports of who blocks an exclusive section. The handler calls leave
	// on the result when done.
	enter(name string) request
	// debug returns what GET /debug/isolate shows.
	debug() any
	// mode is the guard's name, as the -lock flag spells it.
	mode() string
}

// A request is one handler's access to the table. It belongs to the
// handler's goroutine. Every func it returns must be called, in reverse
// order of the calls that returned them, before leave.
type request interface {
	// read begins shared access: lookups and counter updates. No call that
	// may block belongs inside.
	read() (end func())
	// write begins exclusive access: no other request touches the table
	// until end. Not inside read.
	write() (end func())
	// block brackets a call that may block and does not touch the table
	// (reading the request body, writing the response). Not inside read
	// or write.
	block() (end func())
	// leave ends the request's use of the table.
	leave()
}

// Lock modes, as the -lock flag spells them.
const (
	modeIsolate = "isolate"
	modeRWMutex = "rwmutex"
)

// newGuard returns the guard for mode; stalls of exclusive sections are
// logged to log.
func newGuard(mode string, log *slog.Logger) (guard, error) {
	switch mode {
	case modeIsolate:
		return newIsolateGuard(log), nil
	case modeRWMutex:
		return newRWMutexGuard(), nil
	}
	return nil, fmt.Errorf("unknown lock mode %q: want %s or %s", mode, modeIsolate, modeRWMutex)
}

// nothing is an end func with nothing to end.
func nothing() {}
