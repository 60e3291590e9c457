package main

import "github.com/isolatekit/isolate"

// isolateBackend shares the key space through an isolate.Isolator: each
// connection is a member, idle between its commands (while the framework
// reads the next one or writes replies), running inside the command hook.
// GET reads the map as a running member, with nothing around it; SET
// changes it in an isolation of the member (m.IsolateScope(), the form
// of m.Isolate() that allocates no release func), or, with
// combine, in a combined section (m.Do), which shares one isolation with
// the other connections' concurrent SETs.
type isolateBackend struct {
	iso     isolate.Isolator
	data    map[string][]byte
	combine bool
	info    func() string
}

// session is a connection's membership.
type session struct {
	m isolate.Member
}

func newIsolateBackend(combine bool) *isolateBackend {
	return &isolateBackend{data: map[string][]byte{}, combine: combine}
}

// open runs on the accept loop's goroutine: it joins idle, which neither
// waits nor runs, so that the accept loop never waits for an isolation and
// the member holds nothing until its first command. The framework's go
// statement hands the member, idle, to the connection's goroutine.
func (b *isolateBackend) open(c *conn) {
	c.context = &session{m: b.iso.JoinIdleNamed("conn " + c.nc.RemoteAddr().String())}
}

// command runs on the connection's goroutine: the member runs for the
// command (Busy waits while an isolation runs or is requested), then is
// idle again.
func (b *isolateBackend) command(c *conn, args [][]byte) {
	defer c.context.(*session).m.Busy().End()
	dispatch(c, args, b, b.info)
}

// close leaves, idle.
func (b *isolateBackend) close(c *conn, _ error) {
	c.context.(*session).m.Leave()
}

// get reads the map with nothing around it: the member runs, so no
// isolation can be under way.
func (b *isolateBackend) get(_ *conn, key []byte) ([]byte, bool) {
	v, ok := b.data[string(key)]
	return v, ok
}

func (b *isolateBackend) set(c *conn, key string, val []byte) {
	m := c.context.(*session).m
	if b.combine {
		m.Do(func() { b.data[key] = val })
		return
	}
	sc := m.IsolateScope()
	b.data[key] = val
	sc.End()
}

func (b *isolateBackend) del(c *conn, key string) bool {
	if _, ok := b.data[key]; !ok {
		return false
	}
	sc := c.context.(*session).m.IsolateScope()
	_, ok := b.data[key] // another connection may have deleted it while we waited
	delete(b.data, key)
	sc.End()
	return ok
}

func (b *isolateBackend) size(*conn) int { return len(b.data) }
