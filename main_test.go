package isolate

// TestMain: after the package's tests, no goroutine may be left running
// (goleak).

import (
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
