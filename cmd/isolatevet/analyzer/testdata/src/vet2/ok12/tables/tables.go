// Package tables is a library that takes the caller's Member and opens its
// own scopes.
package tables

import (
	"io"

	"github.com/isolatekit/isolate"
)

type Table struct {
	rows map[string][]string
}

func New() *Table { return &Table{rows: map[string][]string{}} }

// Get reads a row; the member must be running.
func (t *Table) Get(m isolate.Member, key string) []string { return t.rows[key] }

// Set changes a row in an isolation of the member.
func (t *Table) Set(m isolate.Member, key string, row []string) {
	defer m.Isolate()()
	t.rows[key] = row
}

// Dump writes the table out, harmless while it writes.
func (t *Table) Dump(m isolate.Member, w io.Writer) error {
	snapshot := make(map[string][]string, len(t.rows))
	for k, v := range t.rows {
		snapshot[k] = v
	}
	defer m.Harmless().End()
	for k, v := range snapshot {
		if _, err := io.WriteString(w, k+": "+v[0]+"\n"); err != nil {
			return err
		}
	}
	return nil
}
