// Package bug06 handles a request per goroutine and forgets to leave when
// the request is malformed.
package bug06

import (
	"errors"
	"strconv"
	"strings"

	"github.com/isolatekit/isolate"
)

type Ledger struct {
	iso      isolate.Isolator
	balances map[string]int
}

var errBadRequest = errors.New("bad request")

func (l *Ledger) Balance(req string) (int, error) {
	m := l.iso.Join() // want `m does not Leave on every path`
	fields := strings.Fields(req)
	if len(fields) != 2 {
		return 0, errBadRequest
	}
	defer m.Leave()
	limit, err := strconv.Atoi(fields[1])
	if err != nil {
		return 0, err
	}
	b := l.balances[fields[0]]
	if b > limit {
		return limit, nil
	}
	return b, nil
}
