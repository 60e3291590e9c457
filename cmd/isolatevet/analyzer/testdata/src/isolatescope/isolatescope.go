// Member.IsolateScope: an isolation whose Scope's End releases it. Each
// case sits beside the same code with Isolate and its release func, and
// expects the same reports.
package isolatescope

import (
	"sync"
	"time"

	"github.com/isolatekit/isolate"
)

// Inside the isolation a sleep or a wait is reported; a channel operation
// is not (the member is not running: it holds no one's isolation but its
// own).
func sleepIsolate(m isolate.Member, jobs chan int) {
	release := m.Isolate()
	<-jobs
	time.Sleep(time.Second) // want `time.Sleep inside m's isolated section: every other member waits meanwhile`
	release()
}

func sleepScope(m isolate.Member, jobs chan int) {
	sc := m.IsolateScope()
	<-jobs
	time.Sleep(time.Second) // want `time.Sleep inside m's isolated section: every other member waits meanwhile`
	sc.End()
}

// The End is a release: the member runs again after it, and blocking is
// reported as blocking while it runs.
func afterRelease(m isolate.Member, jobs chan int) {
	release := m.Isolate()
	<-jobs
	release()
	<-jobs // want `<-jobs blocks while m runs`
}

func afterEnd(m isolate.Member, jobs chan int) {
	sc := m.IsolateScope()
	<-jobs
	sc.End()
	<-jobs // want `<-jobs blocks while m runs`
}

// The deferred form isolates now and releases when the func returns.
func deferIsolate(m isolate.Member, wg *sync.WaitGroup, jobs chan int) {
	defer m.Isolate()()
	<-jobs
	wg.Wait() // want `wg.Wait inside m's isolated section`
}

func deferScope(m isolate.Member, wg *sync.WaitGroup, jobs chan int) {
	defer m.IsolateScope().End()
	<-jobs
	wg.Wait() // want `wg.Wait inside m's isolated section`
}

// A request through the Isolator inside the member's own isolation waits
// for the member itself.
func synchronizeIsolate(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	defer m.Isolate()()
	iso.Synchronize() // want `iso.Synchronize\(\) inside m's own isolated section waits for m itself`
}

func synchronizeScope(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	defer m.IsolateScope().End()
	iso.Synchronize() // want `iso.Synchronize\(\) inside m's own isolated section waits for m itself`
}

// After the End the member is an ordinary running member again: its own
// Isolator's requests wait for it as they do for any running member.
func synchronizeAfterEnd(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	sc := m.IsolateScope()
	iso.Synchronize() // want `inside m's own isolated section`
	sc.End()
	iso.Synchronize() // want `iso.Synchronize\(\) from running member m waits for m itself`
}

// No upgrade from a plain isolation to a full one.
func upgradeIsolate(m isolate.Member) {
	defer m.Isolate()()
	defer m.IsolateFull()() // want `m.IsolateFull\(\) inside m's plain isolated section panics \(no upgrade\)`
}

func upgradeScope(m isolate.Member) {
	sc := m.IsolateScope()
	release := m.IsolateFull() // want `m.IsolateFull\(\) inside m's plain isolated section panics \(no upgrade\)`
	release()
	sc.End()
	release = m.IsolateFull() // ended: a full isolation from the start
	release()
}

// A Harmless scope inside the isolation: its End goes back to the
// isolation, not to running.
func harmlessInIsolate(m isolate.Member, jobs chan int) {
	release := m.Isolate()
	h := m.Harmless()
	<-jobs
	h.End()
	time.Sleep(time.Millisecond) // want `time.Sleep inside m's isolated section`
	release()
}

func harmlessInScope(m isolate.Member, jobs chan int) {
	sc := m.IsolateScope()
	h := m.Harmless()
	<-jobs
	h.End()
	time.Sleep(time.Millisecond) // want `time.Sleep inside m's isolated section`
	sc.End()
}

// Inside a Harmless scope the isolation is a plain one (no panic); its End
// goes back to the Harmless scope, where blocking is allowed.
func scopeInHarmless(m isolate.Member, jobs chan int) {
	h := m.Harmless()
	sc := m.IsolateScope()
	sc.End()
	<-jobs
	h.End()
}

// The End kept as a method value ends the isolation where it is called.
func endValue(m isolate.Member, jobs chan int) {
	end := m.IsolateScope().End
	<-jobs
	time.Sleep(time.Millisecond) // want `time.Sleep inside m's isolated section`
	end()
	<-jobs // want `<-jobs blocks while m runs`
}

// Kept in a field or handed to a func, the Scope's End or the release may
// come anywhere: the member's state is unknown from the opening on, and
// what follows is not reported as inside the isolation.
type conn struct {
	sc      isolate.Scope
	release func()
}

func scopeInField(m isolate.Member, c *conn) {
	c.sc = m.IsolateScope()
	c.sc.End()
	sc := m.Idle()
	time.Sleep(time.Second)
	sc.End()
}

func releaseInField(m isolate.Member, c *conn) {
	c.release = m.Isolate()
	c.release()
	sc := m.Idle()
	time.Sleep(time.Second)
	sc.End()
}

func scopeHandedOn(m isolate.Member) {
	keep(m.IsolateScope())
	sc := m.Idle()
	time.Sleep(time.Second)
	sc.End()
}

func keep(sc isolate.Scope) { defer sc.End() }
