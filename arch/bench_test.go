package arch

import (
	"fmt"
	"runtime"
	"testing"
)

func BenchmarkPause(b *testing.B) {
	for b.Loop() {
		Pause()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/hint")
}

func BenchmarkPauseN(b *testing.B) {
	for _, n := range []uint32{1, 8, 64, 1024} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			for b.Loop() {
				PauseN(n)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/hint")
		})
	}
}

// BenchmarkCallerPCs records eight return addresses by frame pointers, as a
// waiting request records its call site; BenchmarkRuntimeCallers records
// one by runtime.Callers, as the ports without frame pointers do.
func BenchmarkCallerPCs(b *testing.B) {
	var pcs [8]uintptr
	for b.Loop() {
		viaNoinline(func() { CallerPCs(pcs[:]) })
	}
}

func BenchmarkRuntimeCallers(b *testing.B) {
	var pcs [1]uintptr
	for b.Loop() {
		viaNoinline(func() { runtime.Callers(6, pcs[:]) })
	}
}
