// An end that every path from an earlier end reaches again.
package twice

import (
	"errors"
	"net"

	"github.com/isolatekit/isolate"
)

func readTwice(m isolate.Member, c net.Conn, buf []byte) error {
	sc := m.Harmless()
	_, err := c.Read(buf)
	if err != nil {
		sc.End()
	}
	sc.End() // want `sc.End is ended a second time here, after the end at line \d+`
	return err
}

// Through a diamond.
func diamond(m isolate.Member, c net.Conn, buf []byte, verbose bool) {
	sc := m.Harmless()
	if _, err := c.Read(buf); err != nil {
		sc.End()
	}
	if verbose {
		buf[0] = 1
	} else {
		buf[0] = 2
	}
	sc.End() // want `sc.End is ended a second time here`
}

func releaseTwice(m isolate.Member, bad bool) {
	release := m.Isolate()
	if bad {
		release()
	}
	release() // want `release is ended a second time here`
}

// The first end returns: one end a path.
func earlyReturn(m isolate.Member, c net.Conn, buf []byte) error {
	sc := m.Harmless()
	if _, err := c.Read(buf); err != nil {
		sc.End()
		return err
	}
	sc.End()
	return nil
}

// Conditions that exclude each other: no path has both.
func exclusive(m isolate.Member, c net.Conn, buf []byte, fast bool) {
	var sc isolate.Scope
	sc = m.Harmless()
	c.Read(buf)
	if fast {
		sc.End()
	}
	buf[0] = 0
	if !fast {
		sc.End()
	}
}

// A new scope in between: each end is its own scope's.
func loop(m isolate.Member, jobs chan int) {
	for {
		sc := m.Idle()
		j, ok := <-jobs
		sc.End()
		if !ok {
			return
		}
		_ = j
	}
}

func reopened(m isolate.Member, jobs chan int) {
	sc := m.Idle()
	<-jobs
	sc.End()
	sc = m.Idle()
	<-jobs
	sc.End()
}

// A panic path ends nothing more.
func panics(m isolate.Member, c net.Conn, buf []byte) {
	sc := m.Harmless()
	if _, err := c.Read(buf); err != nil {
		sc.End()
		panic(errors.New("read"))
	}
	sc.End()
}
