// Network I/O that names no net method at the call: io and fmt funcs given
// a connection, readers and decoders built over one, *tls.Conn.
package netio

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"

	"github.com/isolatekit/isolate"
)

func readFull(m isolate.Member, c net.Conn, b []byte) {
	io.ReadFull(c, b) // want `io.ReadFull blocks while m runs`
	sc := m.Harmless()
	io.ReadFull(c, b)
	sc.End()
}

func readBuffer(m isolate.Member, b []byte) {
	io.ReadFull(bytes.NewReader(b), b) // memory, not the network
}

func fprintf(m isolate.Member, c *net.TCPConn, w io.Writer) {
	fmt.Fprintf(c, "hello\n") // want `fmt.Fprintf blocks while m runs`
	fmt.Fprintf(w, "hello\n") // an io.Writer: maybe a buffer
}

func copyConn(m isolate.Member, dst io.Writer, c net.Conn) {
	io.Copy(dst, c) // want `io.Copy blocks while m runs`
}

func reader(m isolate.Member, c net.Conn) {
	r := bufio.NewReader(c)
	r.ReadString('\n') // want `r.ReadString blocks while m runs`
	sc := m.Idle()
	r.ReadString('\n')
	sc.End()
}

// A reader over an io.Reader parameter may be over anything.
func readerParam(m isolate.Member, in io.Reader) {
	r := bufio.NewReader(in)
	r.ReadString('\n')
}

// A variable that also holds a reader over memory is not followed.
func readerMixed(m isolate.Member, c net.Conn, b []byte, c2 bool) {
	r := bufio.NewReader(c)
	if c2 {
		r = bufio.NewReader(bytes.NewReader(b))
	}
	r.ReadString('\n')
}

// Buffered writes do not touch the connection; the Flush does.
func writer(m isolate.Member, c net.Conn) {
	w := bufio.NewWriter(c)
	w.WriteString("hello\n")
	w.Flush() // want `w.Flush blocks while m runs`
}

func decoder(m isolate.Member, c net.Conn, v any) {
	json.NewDecoder(c).Decode(v) // want `Decode on a connection blocks while m runs`
	enc := json.NewEncoder(c)
	enc.Encode(v) // want `enc.Encode blocks while m runs`
}

func tlsConn(m isolate.Member, c *tls.Conn, b []byte) {
	c.Handshake() // want `c.Handshake blocks while m runs`
	c.Write(b)    // want `c.Write blocks while m runs`
	c.ConnectionState()
}

// readFrame gets the fact: its callers that run are reported.
func readFrame(c net.Conn) ([]byte, error) { // want readFrame:"mayBlock"
	hdr := make([]byte, 4)
	_, err := io.ReadFull(c, hdr)
	return hdr, err
}

func callsReadFrame(m isolate.Member, c net.Conn) {
	readFrame(c) // want `readFrame may block \(io.ReadFull at netio.go:\d+\), called while m runs`
}
