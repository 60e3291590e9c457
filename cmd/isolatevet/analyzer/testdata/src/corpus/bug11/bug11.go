// An idle wait nested inside a harmless scope.
package bug11

import "github.com/isolatekit/isolate"

func wait(m isolate.Member, done chan struct{}) {
	defer m.Harmless().End()
	sc := m.Idle()
	<-done
	sc.End()
}
