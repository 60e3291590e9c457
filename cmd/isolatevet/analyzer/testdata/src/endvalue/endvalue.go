// A scope's End kept as a method value, the way code ported from end funcs
// keeps it: calling the value ends the scope.
package endvalue

import (
	"net"

	"github.com/isolatekit/isolate"
)

func relay(m isolate.Member, src, dst net.Conn, buf []byte) {
	end := m.Harmless().End
	n, _ := src.Read(buf)
	end()
	sc := m.Idle()
	dst.Write(buf[:n])
	sc.End()
	dst.Write(buf[:n]) // want `dst.Write blocks while m runs`
}

func idleValue(m isolate.Member, jobs chan int) int {
	done := m.Idle().End
	v := <-jobs
	done()
	jobs <- v // want `send on jobs blocks while m runs`
	return v
}

// A returned End is the caller's to call.
func block(m isolate.Member) func() { return m.Harmless().End }
