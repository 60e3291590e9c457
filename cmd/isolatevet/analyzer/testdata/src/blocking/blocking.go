// Check 1: blocking while a member runs.
package blocking

import (
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/isolatekit/isolate"
)

func recvRunning(iso *isolate.Isolator, jobs chan int) int {
	m := iso.Join()
	defer m.Leave()
	return <-jobs // want `<-jobs blocks while m runs: wrap it in a scope`
}

func recvHarmless(iso *isolate.Isolator, jobs chan int) int {
	m := iso.Join()
	defer m.Leave()
	sc := m.Harmless()
	v := <-jobs
	sc.End()
	return v
}

func recvDeferredEnd(m isolate.Member, jobs chan int) int {
	defer m.Idle().End()
	return <-jobs
}

func afterEnd(m isolate.Member, jobs chan int) {
	sc := m.Idle()
	<-jobs
	sc.End()
	jobs <- 1 // want `send on jobs blocks while m runs`
}

func sleepParam(m isolate.Member) {
	time.Sleep(time.Millisecond) // want `time.Sleep blocks while m runs`
}

func waitGroup(m isolate.Member, wg *sync.WaitGroup) {
	wg.Wait() // want `wg.Wait blocks while m runs`
}

func cond(m isolate.Member, c *sync.Cond) {
	c.Wait() // want `c.Wait blocks while m runs`
}

func mutex(m isolate.Member, mu *sync.Mutex, rw *sync.RWMutex) {
	mu.Lock() // want `mu.Lock blocks while m runs`
	mu.Unlock()
	rw.RLock() // want `rw.RLock blocks while m runs`
	rw.RUnlock()
}

func network(m isolate.Member, c net.Conn, buf []byte) {
	c.Read(buf) // want `c.Read blocks while m runs`
	sc := m.Harmless()
	c.Write(buf)
	sc.End()
}

func httpGet(m isolate.Member, cl *http.Client) {
	cl.Get("http://example.com") // want `cl.Get blocks while m runs`
}

func selectNoDefault(m isolate.Member, a, b chan int) {
	select { // want `select without default blocks while m runs`
	case <-a:
	case b <- 1:
	}
}

func selectDefault(m isolate.Member, a chan int) {
	select {
	case <-a:
	default:
	}
}

func rangeChan(m isolate.Member, jobs chan int) {
	for j := range jobs { // want `range over jobs blocks while m runs`
		_ = j
	}
}

func rangeChanIdle(m isolate.Member, jobs chan int) {
	defer m.Idle().End()
	for j := range jobs {
		_ = j
	}
}

// A worker loop: idle while waiting, running while working.
func loop(iso *isolate.Isolator, jobs chan int, out chan int) {
	m := iso.Join()
	defer m.Leave()
	for {
		sc := m.Idle()
		j, ok := <-jobs
		sc.End()
		if !ok {
			return
		}
		out <- j // want `send on out blocks while m runs`
	}
}

// Early return: the scope ends on one path only, where it returns.
func earlyReturn(m isolate.Member, jobs chan int, quit bool) int {
	sc := m.Harmless()
	if quit {
		sc.End()
		return 0
	}
	v := <-jobs
	sc.End()
	return v
}

// Paths that differ: the state is unknown, nothing is reported.
func differ(m isolate.Member, jobs chan int, c bool) {
	var sc isolate.Scope
	if c {
		sc = m.Harmless()
	}
	<-jobs
	if c {
		sc.End()
	}
}

// Busy makes a member that joined idle run.
func busy(iso *isolate.Isolator, jobs chan int) {
	m := iso.JoinIdle()
	defer m.Leave()
	<-jobs
	func() {
		defer m.Busy().End()
		<-jobs // want `<-jobs blocks while m runs`
	}()
}

// A member held in a field: unknown on entry of a method.
type worker struct {
	m    isolate.Member
	jobs chan int
}

func (w *worker) next() int { return <-w.jobs } // want next:"mayBlock"

func (w *worker) nextBusy() int {
	defer w.m.Busy().End()
	return <-w.jobs // want `<-w.jobs blocks while w.m runs`
}

// A goroutine started in running code is another goroutine: not reported.
func goroutine(m isolate.Member, jobs chan int) {
	go func() { <-jobs }()
}

// Calls through interfaces are not resolved: not reported.
type source interface{ Next() int }

func iface(m isolate.Member, s source) int { return s.Next() }

// Poll and a send in a select with default do not block.
func poll(m isolate.Member, out chan int) {
	m.Poll()
	select {
	case out <- 1:
	default:
	}
}
