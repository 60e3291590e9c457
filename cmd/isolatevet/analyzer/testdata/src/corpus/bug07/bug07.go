// A connection handler that reads without a scope.
package bug07

import (
	"net"

	"github.com/isolatekit/isolate"
)

func serveConn(iso *isolate.Isolator, c net.Conn) {
	m := iso.Join()
	defer m.Leave()
	buf := make([]byte, 512)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		_ = buf[:n]
	}
}
