package analyzer_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/isolatekit/isolate/cmd/isolatevet/analyzer"
	"golang.org/x/tools/go/analysis/analysistest"
)

// TestVet2Corpus runs the analyzer over a second corpus, written apart from
// the analyzer's code and from the first corpus: programs in the style of
// user code (worker pools, RCU reloads, TCP and HTTP services, callback
// hooks, members in fields), bugNN with one seeded mistake each, okNN
// correct. Each report must be wanted: a bug program's want comments name
// its mistake, a correct program wants no report at all (only facts, the
// funcs that may block).
func TestVet2Corpus(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(analysistest.TestData(), "src", "vet2", "*"))
	if err != nil || len(dirs) < 20 {
		t.Fatalf("vet2 corpus: %d packages, %v", len(dirs), err)
	}
	var pkgs []string
	for _, d := range dirs {
		name := filepath.Base(d)
		pkgs = append(pkgs, "vet2/"+name+"/...")
		wants := wantedReports(t, d)
		switch {
		case strings.HasPrefix(name, "bug") && wants == 0:
			t.Errorf("%s: a seeded mistake that no want comment names", name)
		case strings.HasPrefix(name, "ok") && wants > 0:
			t.Errorf("%s: a correct program that wants %d reports", name, wants)
		}
	}
	analysistest.Run(t, analysistest.TestData(), analyzer.Analyzer, pkgs...)
}

// wantedReports counts the want comments of dir's files (and its
// subpackages') that expect a report rather than a fact.
func wantedReports(t *testing.T, dir string) int {
	n := 0
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") {
			return err
		}
		src, err := os.ReadFile(path)
		n += strings.Count(string(src), "// want `")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
