// A connection handler: every read and write in a harmless scope.
package ok03

import (
	"context"
	"net"

	"github.com/isolatekit/isolate"
)

func serve(ctx context.Context, iso *isolate.Isolator, c net.Conn, table map[string]int) error {
	m := iso.Join()
	defer m.Leave()
	buf := make([]byte, 512)
	for {
		sc := m.Harmless()
		n, err := c.Read(buf)
		sc.End()
		if err != nil {
			return err
		}
		release, err := m.IsolateContext(ctx)
		if err != nil {
			return err
		}
		table[string(buf[:n])]++
		release()
		if release, ok := m.TryIsolate(); ok {
			table["tries"]++
			release()
		}
	}
}
