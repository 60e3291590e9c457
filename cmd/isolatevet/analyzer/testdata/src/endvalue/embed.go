package endvalue

import (
	"github.com/isolatekit/isolate"
)

// A struct that embeds the Member: its promoted methods act on the field.
type session struct {
	isolate.Member
	cmds chan string
	seen map[string]int
}

func serve(iso *isolate.Isolator, cmds chan string) {
	s := &session{Member: iso.Join(), cmds: cmds, seen: map[string]int{}}
	defer s.Leave()
	for {
		sc := s.Idle()
		c, ok := <-s.cmds
		sc.End()
		if !ok {
			return
		}
		s.seen[c]++
		s.cmds <- c // want `send on s.cmds blocks while s.Member runs`
	}
}

// A struct literal with a named Member field, joined idle.
type worker struct {
	m    isolate.Member
	jobs chan int
}

func idleField(iso *isolate.Isolator, jobs chan int) {
	w := worker{m: iso.JoinIdle(), jobs: jobs}
	defer w.m.Leave()
	<-w.jobs
	sc := w.m.Busy()
	<-w.jobs // want `<-w.jobs blocks while w.m runs`
	sc.End()
}

// An Isolator embedded in a server: its methods are the Isolator's.
type server struct {
	isolate.Isolator
	table map[string]int
}

func (s *server) handle(key string) {
	m := s.Join()
	defer m.Leave()
	release := s.Isolate() // want `s.Isolate\(\) from running member m waits for m itself: use m.Isolate\(\)`
	s.table[key]++
	release()
}

// A constructor that joins into a literal and hands it on says nothing of
// the member's state.
type player struct {
	m     isolate.Member
	inbox chan string
}

func newPlayer(iso *isolate.Isolator, registry chan *player) *player {
	p := &player{m: iso.Join(), inbox: make(chan string, 1)}
	registry <- p
	return p
}
