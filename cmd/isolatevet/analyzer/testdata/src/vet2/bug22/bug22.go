// Package bug22 loads a user for a request through a helper that takes the
// member, and forgets to leave when the load fails.
package bug22

import (
	"errors"
	"fmt"

	"github.com/isolatekit/isolate"
)

type User struct {
	Name  string
	Admin bool
}

type Directory struct {
	iso   isolate.Isolator
	users map[string]User
}

var errNoUser = errors.New("no such user")

func (d *Directory) load(m isolate.Member, id string) (User, error) {
	u, ok := d.users[id]
	if !ok {
		return User{}, errNoUser
	}
	return u, nil
}

func (d *Directory) Greeting(id string) (string, error) {
	m := d.iso.Join() // want `m does not Leave on every path`
	u, err := d.load(m, id)
	if err != nil {
		return "", fmt.Errorf("greeting %s: %w", id, err)
	}
	m.Leave()
	if u.Admin {
		return "Welcome back, administrator " + u.Name, nil
	}
	return "Hello, " + u.Name, nil
}
