// An idle scope left open on an error path.
package bug10

import (
	"errors"

	"github.com/isolatekit/isolate"
)

func next(m isolate.Member, jobs chan int) (int, error) {
	sc := m.Idle()
	j, ok := <-jobs
	if !ok {
		return 0, errors.New("closed")
	}
	sc.End()
	return j, nil
}
