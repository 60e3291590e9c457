// A member that forgets to leave when setup fails.
package bug05

import (
	"errors"

	"github.com/isolatekit/isolate"
)

func run(iso *isolate.Isolator, name string) error {
	m := iso.JoinNamed(name)
	if name == "" {
		return errors.New("no name")
	}
	defer m.Leave()
	m.Poll()
	return nil
}
