// An isolation not released when the update fails.
package bug12

import (
	"errors"

	"github.com/isolatekit/isolate"
)

func update(m isolate.Member, table map[string]int, k string, v int) error {
	release := m.Isolate()
	if v < 0 {
		return errors.New("negative")
	}
	table[k] = v
	release()
	return nil
}
