// Package bug11 compacts a log opportunistically and forgets the release on
// the error path.
package bug11

import (
	"errors"

	"github.com/isolatekit/isolate"
)

type Log struct {
	iso     isolate.Isolator
	entries []string
	limit   int
}

var errCorrupt = errors.New("corrupt log")

func (l *Log) Compact(m isolate.Member) error {
	release, ok := m.TryIsolate() // want `release is not called on every path`
	if !ok {
		return nil
	}
	if len(l.entries) > 0 && l.entries[0] == "" {
		return errCorrupt
	}
	if len(l.entries) > l.limit {
		l.entries = append([]string(nil), l.entries[len(l.entries)-l.limit:]...)
	}
	release()
	return nil
}
