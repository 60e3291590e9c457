// Package bug39 retires a table from a harmless scope and waits for the
// grace period there.
package bug39

import (
	"sync/atomic"

	"github.com/isolatekit/isolate"
)

type Table struct{ rows []int }

type DB struct {
	iso   *isolate.Isolator
	cur   atomic.Pointer[Table]
	spare *Table
}

func (db *DB) Replace(rows []int) {
	m := db.iso.Join()
	defer m.Leave()
	old := db.cur.Swap(&Table{rows: rows})
	h := m.Harmless()
	db.iso.Synchronize() // want `db\.iso\.Synchronize\(\) inside m's Harmless scope waits for m itself to be idle`
	h.End()
	db.spare = old
}
