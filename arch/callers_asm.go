//go:build amd64 || arm64

package arch

// CallerPCs fills pcs with the return addresses of the calling goroutine's
// frames, found by following the chain of frame pointers: pcs[0] is where
// the caller of CallerPCs returns to (a return address inside its caller's
// caller), pcs[1] where that one returns to, and so on. It returns how many
// it wrote: fewer than len(pcs) where the chain ends, and 0 on the ports
// where it is not written in assembly (all but amd64 and arm64, whose Go
// code always keeps frame pointers); a caller then falls back on
// runtime.Callers.
//
// The addresses are those of physical frames: a function that the compiler
// inlined into its caller has no frame of its own. runtime.CallersFrames
// turns them into the logical frames, the inlined ones included, as it
// does with the program counters of runtime.Callers (both are return
// addresses).
//
// It reads two words per frame, where runtime.Callers decodes the tables
// of every frame it unwinds (stack sizes, inlining trees): cheap enough to
// record, on a path that runs often, where a call came from, in case a
// diagnostic needs it later. It reads as many frames as pcs holds: only
// code compiled by Go may lie within that many frames of the caller (no
// assembly that keeps no frame pointer, no C: a Go function called from C
// is a few runtime frames above its C caller), as the runtime's own
// frame-pointer unwinder, which it follows, assumes.
//
// It is written in assembly, and adds no frame of its own, so that no
// inlining decision changes what pcs[0] is.
//
//go:noescape
func CallerPCs(pcs []uintptr) int
