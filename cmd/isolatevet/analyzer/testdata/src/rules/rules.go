// Check 6: the package doc's other rules.
package rules

import (
	"time"

	"github.com/isolatekit/isolate"
)

func idleInHarmless(m isolate.Member) {
	defer m.Harmless().End()
	sc := m.Idle() // want `m.Idle\(\) inside a Harmless scope panics: end the Harmless scope first`
	sc.End()
}

func harmlessInIdle(m isolate.Member) {
	defer m.Idle().End()
	sc := m.Harmless()
	sc.End()
}

func fullInHarmless(m isolate.Member) {
	sc := m.Harmless()
	release := m.IsolateFull() // want `m.IsolateFull\(\) inside a Harmless scope panics`
	release()
	sc.End()
}

func fullAfterHarmless(m isolate.Member) {
	sc := m.Harmless()
	sc.End()
	release := m.IsolateFull()
	release()
}

func upgrade(m isolate.Member) {
	defer m.Isolate()()
	defer m.IsolateFull()() // want `m.IsolateFull\(\) inside m's plain isolated section panics \(no upgrade\)`
}

func endedTwice(m isolate.Member) {
	sc := m.Harmless()
	sc.End()
	sc.End() // want `sc.End is ended a second time here`
}

func releasedTwice(m isolate.Member) {
	release := m.Isolate()
	release()
	release() // want `release is ended a second time here`
}

func usedAfterLeave(iso *isolate.Isolator) {
	m := iso.Join()
	m.Leave()
	m.Poll() // want `m.Poll after m.Leave\(\): a Member is not used after Leave`
}

func synchronizeInHarmless(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	sc := m.Harmless()
	iso.Synchronize() // want `iso.Synchronize\(\) inside m's Harmless scope waits for m itself to be idle: use an Idle scope`
	sc.End()
}

func isolateInHarmless(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	sc := m.Harmless()
	iso.Isolate()() // an outsider's plain isolation waits for harmless members: fine
	sc.End()
}

func synchronizeInIsolation(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	release := m.Isolate()
	iso.Synchronize() // want `iso.Synchronize\(\) inside m's own isolated section waits for m itself`
	release()
}

func sleepInIsolation(m isolate.Member) {
	release := m.Isolate()
	time.Sleep(time.Second) // want `time.Sleep inside m's isolated section: every other member waits meanwhile`
	release()
}

func goroutineUsesMember(iso *isolate.Isolator) {
	m := iso.Join()
	defer m.Leave()
	go func() {
		defer m.Harmless().End() // want `m is used in a goroutine it did not join in: a Member belongs to the goroutine that joined`
	}()
	go func() {
		m := iso.Join()
		defer m.Leave()
	}()
}

func doBlocks(m isolate.Member, iso *isolate.Isolator, ch chan int, n *int) {
	m.Do(func() { *n = <-ch }) // want `the func passed to m.Do must not block \(<-ch at rules.go:\d+\)`
	sc := m.Idle()
	iso.Do(func() { time.Sleep(time.Second) }) // want `the func passed to iso.Do must not block \(time.Sleep at rules.go:\d+\)`
	iso.Do(func() { *n++ })
	sc.End()
}

func tryFailed(m isolate.Member, jobs chan int) {
	release, ok := m.TryIsolate()
	if !ok {
		<-jobs // want `<-jobs blocks while m runs`
		return
	}
	time.Sleep(time.Millisecond) // want `time.Sleep inside m's isolated section`
	release()
}
