package arch

import (
	"runtime"
	"slices"
	"testing"
)

// frames returns the logical frames of pcs: function, file and line.
func frames(pcs []uintptr) []runtime.Frame {
	var out []runtime.Frame
	fs := runtime.CallersFrames(pcs)
	for {
		f, more := fs.Next()
		out = append(out, runtime.Frame{Function: f.Function, File: f.File, Line: f.Line})
		if !more {
			return out
		}
	}
}

//go:noinline
func viaNoinline(f func()) { f() }

// viaInlined is inlined into its caller: it has no physical frame.
func viaInlined(f func()) { viaNoinline(f) }

// TestCallerPCsMatchesCallers: the frames that CallerPCs finds, expanded by
// runtime.CallersFrames, are those of runtime.Callers, inlined ones
// included; on the ports without assembly it finds none.
func TestCallerPCsMatchesCallers(t *testing.T) {
	var fp, rt []runtime.Frame
	var n int
	record := func() {
		var a, b [16]uintptr
		n = CallerPCs(a[:])
		m := runtime.Callers(2, b[:]) // skip Callers and this func
		fp, rt = frames(a[:n]), frames(b[:m])
	}
	viaInlined(func() { viaNoinline(record) })
	if !slices.Contains(asmPorts, runtime.GOARCH) {
		if n != 0 {
			t.Fatalf("CallerPCs found %d frames on %s, want 0", n, runtime.GOARCH)
		}
		return
	}
	// Up to the test's runner: below it, the goroutine's first frames
	// (a go statement's wrapper, goexit) are elided differently.
	for i, f := range rt {
		if f.Function == "testing.tRunner" {
			rt = rt[:i+1]
			break
		}
	}
	fp = fp[:min(len(fp), len(rt))]
	if len(fp) < 5 {
		t.Fatalf("only %d frames: %v", len(fp), fp)
	}
	for i := range fp {
		if fp[i] != rt[i] {
			t.Errorf("frame %d: CallerPCs %v, runtime.Callers %v", i, fp[i], rt[i])
		}
	}
}

// TestCallerPCsShortBuffers: CallerPCs writes no more than its buffer holds.
func TestCallerPCsShortBuffers(t *testing.T) {
	if CallerPCs(nil) != 0 {
		t.Error("a nil buffer got frames")
	}
	var pcs [3]uintptr
	if n := CallerPCs(pcs[:2]); n > 2 || pcs[2] != 0 {
		t.Errorf("wrote %d frames, pcs[2] = %#x", n, pcs[2])
	}
}
