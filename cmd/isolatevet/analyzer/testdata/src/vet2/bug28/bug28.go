// Package bug28 streams a report to a writer and forgets to end the
// harmless scope when a write fails.
package bug28

import (
	"encoding/json"
	"io"

	"github.com/isolatekit/isolate"
)

type Row struct {
	Key string
	N   int
}

type Report struct {
	iso  isolate.Isolator
	rows map[string]int
}

func (r *Report) Write(m isolate.Member, w io.Writer) error {
	var rows []Row
	for k, n := range r.rows {
		rows = append(rows, Row{k, n})
	}
	enc := json.NewEncoder(w)
	sc := m.Harmless() // want `sc is not ended on every path`
	for _, row := range rows {
		if err := enc.Encode(row); err != nil {
			return err
		}
	}
	sc.End()
	return nil
}
