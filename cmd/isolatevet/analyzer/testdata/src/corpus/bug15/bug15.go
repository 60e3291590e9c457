// A harmless scope opened and never kept.
package bug15

import "github.com/isolatekit/isolate"

func read(m isolate.Member, in chan []byte) []byte {
	m.Harmless()
	return <-in
}
