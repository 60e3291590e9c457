// Package bug33 isolates with a deferred request that is never made.
package bug33

import (
	"github.com/isolatekit/isolate"
)

type Quota struct {
	iso  isolate.Isolator
	left map[string]int
}

func (q *Quota) Refill(m isolate.Member, user string, n int) {
	defer m.Isolate() // want `defer m\.Isolate\(\) isolates when the func returns, and never releases`
	q.left[user] += n
}
