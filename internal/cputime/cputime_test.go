package cputime

import (
	"go.uber.org/goleak"
	"testing"
	"time"
)

func TestProcessGrowsWithWork(t *testing.T) {
	before, ok := Process()
	if !ok {
		t.Skip("no processor time on this system")
	}
	deadline := time.Now().Add(20 * time.Millisecond)
	for time.Now().Before(deadline) {
	}
	after, _ := Process()
	if after <= before {
		t.Fatalf("processor time did not grow with 20ms of work: %v then %v", before, after)
	}
}

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
