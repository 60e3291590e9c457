package arch

import (
	"fmt"
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
