package seedref

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// returnsWithin reports whether f returns within d; f keeps running if not.
func returnsWithin(d time.Duration, f func()) (done <-chan struct{}, ok bool) {
	ch := make(chan struct{})
	go func() {
		f()
		close(ch)
	}()
	select {
	case <-ch:
		return ch, true
	case <-time.After(d):
		return ch, false
	}
}

func TestNewPanicsOnNoThreads(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("New(0) did not panic")
		}
	}()
	New(0)
}

func TestIDOutOfRangePanics(t *testing.T) {
	r := New(3)
	defer func() {
		if recover() == nil {
			t.Fatal("HarmlessNow(3) did not panic")
		}
	}()
	r.HarmlessNow(3)
}

func TestMasksAreAligned(t *testing.T) {
	for _, n := range []int{1, 64, 65, 300} {
		r := New(n)
		if r.Threads() != n {
			t.Errorf("Threads() = %d, want %d", r.Threads(), n)
		}
		for _, m := range [][]atomic.Uint64{r.harmless, r.want} {
			if len(m) != (n+63)/64 || uintptr(unsafe.Pointer(&m[0]))%64 != 0 {
				t.Errorf("n=%d: mask of %d words at %p", n, len(m), &m[0])
			}
		}
	}
}

// Every thread starts harmless, so that an outsider isolates at once.
func TestOutsiderIsolatesWhileThreadsHaveNotStarted(t *testing.T) {
	r := New(5)
	if _, ok := returnsWithin(time.Second, func() { r.Isolate(4) }); !ok {
		t.Fatal("Isolate waited for threads that never started")
	}
	r.ReleaseHarmless(4)
}

// A thread that starts (HarmlessEnd) during an isolation waits for it.
func TestStartWaitsOutIsolation(t *testing.T) {
	r := New(2)
	r.Isolate(1)
	done, ok := returnsWithin(50*time.Millisecond, func() { r.HarmlessEnd(0) })
	if ok {
		t.Fatal("a thread started while another was isolated")
	}
	r.ReleaseHarmless(1)
	<-done
}

// The isolator waits for a running thread until it becomes harmless.
func TestIsolateWaitsForRunningThread(t *testing.T) {
	r := New(2)
	r.HarmlessEnd(0) // thread 0 runs
	done, ok := returnsWithin(50*time.Millisecond, func() { r.Isolate(1) })
	if ok {
		t.Fatal("isolated while thread 0 was running")
	}
	r.HarmlessNow(0)
	<-done
	r.ReleaseHarmless(1)
}

// Fix 1: after Release the releasing thread runs, so it is not harmless: a
// third thread must not isolate itself until it says so. The seed's release
// went wrong when another request was pending: it waited for it while
// harmless, and returned with the harmless bit still set.
func TestReleaseEndsHarmlessProperly(t *testing.T) {
	r := New(3)
	r.HarmlessEnd(0)
	r.Isolate(0)
	// Thread 1, an outsider, asks while 0 is isolated.
	outsider, _ := returnsWithin(0, func() {
		r.Isolate(1)
		r.ReleaseHarmless(1)
	})
	for !r.othersWant(0, 1) {
		runtime.Gosched()
	}
	r.Release(0) // waits for 1's isolation, then runs on
	<-outsider
	done, ok := returnsWithin(50*time.Millisecond, func() { r.Isolate(2) })
	if ok {
		t.Fatal("thread 2 isolated itself while the released thread 0 ran")
	}
	r.HarmlessNow(0)
	<-done
	r.ReleaseHarmless(2)
}

// Fix 2: a harmless scope inside one's own isolated section ends without
// waiting for one's own request.
func TestHarmlessInsideOwnIsolation(t *testing.T) {
	r := New(2)
	r.HarmlessEnd(0)
	r.Isolate(0)
	done, ok := returnsWithin(time.Second, func() {
		r.HarmlessNow(0)
		r.HarmlessEnd(0)
	})
	if !ok {
		t.Fatal("an isolated thread waited for its own request")
	}
	<-done
	r.Release(0)
}

// Fix 4: while the isolated thread is in a harmless scope of its section,
// no second thread isolates itself. With fix 2 alone the second one did,
// and when both then opened harmless scopes each waited for the other's
// request to end, for ever.
func TestHarmlessInsideIsolationAdmitsNoSecondIsolator(t *testing.T) {
	r := New(2)
	r.HarmlessEnd(0) // thread 1 stays harmless until it isolates
	r.Isolate(0)
	r.HarmlessNow(0)
	second, ok := returnsWithin(50*time.Millisecond, func() {
		r.Isolate(1)
		r.HarmlessNow(1)
		r.HarmlessEnd(1)
		r.Release(1)
		r.HarmlessNow(1)
	})
	if ok {
		t.Fatal("thread 1 isolated itself inside thread 0's isolated section")
	}
	ended, ok := returnsWithin(time.Second, func() { r.HarmlessEnd(0) })
	if !ok {
		t.Fatal("the isolated thread's harmless end waited for thread 1's request")
	}
	<-ended
	released, ok := returnsWithin(5*time.Second, func() { r.Release(0) })
	if !ok {
		t.Fatal("thread 0's release and thread 1's isolation deadlocked")
	}
	<-released
	<-second
}

// Fix 3: two threads in different mask words can both win the
// compare-and-swap of their own word; the re-check must stop each of them.
func TestWinnerRechecks(t *testing.T) {
	r := New(128)
	a, b := 0, 64
	wa, ba := r.bit(a)
	wb, bb := r.bit(b)
	r.want[wa].Or(ba) // both announced (every thread is harmless)
	r.want[wb].Or(bb)
	// Both see every thread harmless, then both clear their own bit.
	seenByA, seenByB := r.allHarmless(), r.allHarmless()
	if !seenByA || !seenByB {
		t.Fatal("setup: every thread should be harmless")
	}
	if !r.clearIfAllHarmless(wa, ba) || !r.clearIfAllHarmless(wb, bb) {
		t.Fatal("setup: both threads should win their own word")
	}
	if r.othersHarmless(wa, ba) || r.othersHarmless(wb, bb) {
		t.Fatal("the re-check let two winners both believe they are alone")
	}
}

// Isolations from threads in several mask words, with threads running and
// going harmless around them, keep their mutual exclusion. The shared data
// is plain, so that the race detector reports any missing happens-before
// edge; the counters catch overlaps directly.
func TestStressMutualExclusion(t *testing.T) {
	if testing.Short() {
		t.Skip("spinning stress: slow under emulation")
	}
	for _, n := range []int{2, 8, 130} {
		t.Run(fmt.Sprintf("threads=%d", n), func(t *testing.T) {
			stress(t, n, 300*time.Millisecond)
		})
	}
}

func stress(t *testing.T, n int, d time.Duration) {
	r := New(n + 1) // id n is an outsider
	var (
		running  atomic.Int32 // threads inside a running stretch
		isolated atomic.Int32 // threads inside an isolated section
		plain    [4]int       // written only while isolated
		sections atomic.Int64
		wg       sync.WaitGroup
		failed   atomic.Value
	)
	fail := func(msg string) { failed.CompareAndSwap(nil, msg) }
	inSection := func() {
		if isolated.Add(1) != 1 {
			fail("two threads isolated at once")
		}
		if running.Load() != 0 {
			fail("a thread ran during an isolation")
		}
		v := plain[0] + 1
		for i := range plain {
			plain[i] = v
		}
		sections.Add(1)
		isolated.Add(-1)
	}
	stop := time.Now().Add(d)
	// Threads: only some of them isolate, so that others sit harmless.
	for id := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(id), 1))
			r.HarmlessEnd(id)
			for time.Now().Before(stop) {
				running.Add(1)
				if plain[0] != plain[len(plain)-1] {
					fail("torn read of the shared data")
				}
				running.Add(-1)
				switch k := rng.IntN(16); {
				case k == 0 && id%4 == 0:
					r.Isolate(id)
					inSection()
					if rng.IntN(4) == 0 { // fix 2: harmless inside
						r.HarmlessNow(id)
						r.HarmlessEnd(id)
					}
					r.Release(id)
				case k < 8:
					r.HarmlessNow(id)
					runtime.Gosched()
					r.HarmlessEnd(id)
				}
			}
			r.HarmlessNow(id)
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for time.Now().Before(stop) {
			r.Isolate(n)
			inSection()
			r.ReleaseHarmless(n)
			time.Sleep(50 * time.Microsecond)
		}
	}()
	wg.Wait()
	if msg := failed.Load(); msg != nil {
		t.Fatal(msg)
	}
	if sections.Load() == 0 {
		t.Fatal("no isolation completed")
	}
	t.Logf("%d isolated sections", sections.Load())
}

// Fix 3 under load: isolators in three different mask words, and no other
// thread running, so that they race each other only.
func TestStressIsolatorsInSeveralWords(t *testing.T) {
	if testing.Short() {
		t.Skip("spinning stress: slow under emulation")
	}
	r := New(129)
	var (
		isolated atomic.Int32
		plain    int
		overlaps atomic.Int64
		wg       sync.WaitGroup
	)
	stop := time.Now().Add(300 * time.Millisecond)
	for _, id := range []int{0, 64, 128} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				r.Isolate(id)
				if isolated.Add(1) != 1 {
					overlaps.Add(1)
				}
				plain++
				isolated.Add(-1)
				r.ReleaseHarmless(id)
			}
		}()
	}
	wg.Wait()
	if n := overlaps.Load(); n > 0 {
		t.Fatalf("%d isolated sections overlapped (%d sections)", n, plain)
	}
	t.Logf("%d isolated sections", plain)
}
