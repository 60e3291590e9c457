//go:build amd64 || arm64

package arch

// getg returns the address of the calling goroutine's g.
func getg() uintptr
