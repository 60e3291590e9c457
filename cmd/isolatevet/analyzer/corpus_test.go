package analyzer_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/isolatekit/isolate/cmd/isolatevet/analyzer"
	"golang.org/x/tools/go/analysis/analysistest"
)

// quiet collects analysistest's complaints (every report of the corpus is
// "unexpected": its programs carry no want comments) instead of failing.
type quiet struct{ msgs []string }

func (q *quiet) Errorf(format string, args ...any) {
	q.msgs = append(q.msgs, fmt.Sprintf(format, args...))
}

// TestCorpus runs the analyzer over programs written the way users write
// them: sixteen with one seeded mistake each (the kinds of checks 1 to 6)
// and four correct ones. It must report at least 14 of the 16 mistakes and
// nothing on the correct programs.
func TestCorpus(t *testing.T) {
	var bugs, oks []string
	for i := 1; i <= 16; i++ {
		bugs = append(bugs, fmt.Sprintf("corpus/bug%02d", i))
	}
	for i := 1; i <= 4; i++ {
		oks = append(oks, fmt.Sprintf("corpus/ok%02d", i))
	}
	q := new(quiet)
	results := analysistest.Run(q, analysistest.TestData(), analyzer.Analyzer, append(bugs, oks...)...)
	reported := map[string][]string{}
	for _, r := range results {
		for _, d := range r.Diagnostics {
			p := r.Action.Package.PkgPath
			reported[p] = append(reported[p], fmt.Sprintf("%s: %s", r.Pass.Fset.Position(d.Pos), d.Message))
		}
	}
	caught := 0
	for _, b := range bugs {
		if len(reported[b]) > 0 {
			caught++
			t.Logf("%s: %s", b, strings.Join(reported[b], "; "))
		} else {
			t.Logf("%s: missed", b)
		}
	}
	if caught < 14 {
		t.Errorf("caught %d of %d seeded mistakes, want at least 14", caught, len(bugs))
	}
	for _, ok := range oks {
		for _, d := range reported[ok] {
			t.Errorf("report on a correct program: %s", d)
		}
	}
	for _, m := range q.msgs {
		if !strings.Contains(m, "unexpected diagnostic") && !strings.Contains(m, "unexpected fact") {
			t.Errorf("analysistest: %s", m)
		}
	}
}
