// Package ok41 is a tiny HTTP/1.0 front that parses request headers with
// textproto in an idle scope, answers from a shared route table, and
// splices bodies on goroutines of their own.
package ok41

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"

	"github.com/isolatekit/isolate"
)

type Front struct {
	iso    isolate.Isolator
	routes map[string]string
}

func (f *Front) handle(c net.Conn) error {
	defer c.Close()
	m := f.iso.Join()
	defer m.Leave()
	tp := textproto.NewReader(bufio.NewReader(c))
	sc := m.Idle()
	line, err := tp.ReadLine()
	if err != nil {
		sc.End()
		return err
	}
	hdr, err := tp.ReadMIMEHeader()
	sc.End()
	if err != nil {
		return err
	}
	parts := strings.Fields(line)
	if len(parts) < 2 {
		return fmt.Errorf("bad request line %q", line)
	}
	backend, ok := f.routes[parts[1]]
	h := m.Harmless()
	defer h.End()
	if !ok {
		_, err = fmt.Fprintf(c, "HTTP/1.0 404 Not Found\r\n\r\n")
		return err
	}
	up, err := net.Dial("tcp", backend)
	if err != nil {
		return err
	}
	defer up.Close()
	fmt.Fprintf(up, "%s\r\nHost: %s\r\n\r\n", line, hdr.Get("Host"))
	go io.Copy(up, c)
	_, err = io.Copy(c, up)
	return err
}
