package analyzer_test

import (
	"testing"

	"github.com/isolatekit/isolate/cmd/isolatevet/analyzer"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestChecks(t *testing.T) {
	analysistest.Run(t, analysistest.TestData(), analyzer.Analyzer,
		"blocking", "calls", "lost", "outsider", "leave", "rules", "suppress", "netio", "tokens", "closures", "borrow", "leaveends", "busyparam", "endvalue", "fields", "twice", "harmlesscall", "isolatescope")
}

func TestMutexOff(t *testing.T) {
	if err := analyzer.Analyzer.Flags.Set("mutex", "false"); err != nil {
		t.Fatal(err)
	}
	defer analyzer.Analyzer.Flags.Set("mutex", "true")
	analysistest.Run(t, analysistest.TestData(), analyzer.Analyzer, "mutexoff")
}
