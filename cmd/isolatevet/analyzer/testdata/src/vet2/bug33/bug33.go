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
	defer m.Isolate() // BUG: deferred without calling the release
	q.left[user] += n
}
