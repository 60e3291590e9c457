package arch

import (
	"runtime"
	"slices"
	"sync"
	"testing"
)

// TestG checks that G is stable within a goroutine and tells apart
// goroutines that live at the same time; on ports without assembly it is 0.
func TestG(t *testing.T) {
	self := G()
	if !slices.Contains(asmPorts, runtime.GOARCH) {
		if self != 0 {
			t.Fatalf("G() = %#x on %s, want 0", self, runtime.GOARCH)
		}
		return
	}
	if self == 0 {
		t.Fatal("G() = 0 on an assembly port")
	}
	runtime.Gosched() // may move to another thread: g stays
	if again := G(); again != self {
		t.Fatalf("G() changed within a goroutine: %#x, then %#x", self, again)
	}
	const n = 8
	var (
		wg    sync.WaitGroup
		ready sync.WaitGroup
		hold  = make(chan struct{})
		got   [n]uintptr
	)
	ready.Add(n)
	for i := range n {
		wg.Go(func() {
			got[i] = G()
			ready.Done()
			<-hold // alive until every G has been read
		})
	}
	ready.Wait()
	close(hold)
	wg.Wait()
	seen := map[uintptr]bool{self: true}
	for _, g := range got {
		if g == 0 || seen[g] {
			t.Fatalf("G() of live goroutines: %#x (and %#x), want distinct and nonzero", got, self)
		}
		seen[g] = true
	}
}

func BenchmarkG(b *testing.B) {
	var sink uintptr
	for b.Loop() {
		sink += G()
	}
	_ = sink
}
