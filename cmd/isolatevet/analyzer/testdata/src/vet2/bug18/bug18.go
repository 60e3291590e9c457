// Package bug18 is a callback plugin that joined idle; a hook blocks on a
// channel inside its Busy scope.
package bug18

import (
	"github.com/isolatekit/isolate"
)

type Frame struct {
	Stream int
	Data   []byte
}

type Mux struct {
	m       isolate.Member
	streams map[int]chan []byte
}

func NewMux(iso *isolate.Isolator) *Mux {
	return &Mux{m: iso.JoinIdle(), streams: map[int]chan []byte{}}
}

func (x *Mux) OnFrame(f Frame) {
	defer x.m.Busy().End()
	ch, ok := x.streams[f.Stream]
	if !ok {
		return
	}
	ch <- f.Data // want `send on ch blocks while x\.m runs`
}

func (x *Mux) Close() { x.m.Leave() }
