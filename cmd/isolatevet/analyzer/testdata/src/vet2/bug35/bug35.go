// Package bug35 embeds the Member in its session; the session waits for
// the next command while running.
package bug35

import (
	"github.com/isolatekit/isolate"
)

type session struct {
	isolate.Member
	cmds  chan string
	state map[string]int
}

func serve(iso *isolate.Isolator, cmds chan string, state map[string]int) {
	s := &session{Member: iso.Join(), cmds: cmds, state: state}
	defer s.Leave()
	for {
		c, ok := <-s.cmds // want `<-s\.cmds blocks while s\.Member runs`
		if !ok {
			return
		}
		s.state[c]++
	}
}
