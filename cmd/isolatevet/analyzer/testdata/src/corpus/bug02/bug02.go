// A handler that meant to be harmless for its whole wait.
package bug02

import "github.com/isolatekit/isolate"

func handle(m isolate.Member, replies chan string) string {
	defer m.Harmless()
	return <-replies
}
