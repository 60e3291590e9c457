package analyzer_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/isolatekit/isolate/cmd/isolatevet/analyzer"
	"golang.org/x/tools/go/analysis/analysistest"
)

func TestVet2Score(t *testing.T) {
	dirs, _ := filepath.Glob(filepath.Join(analysistest.TestData(), "src", "vet2", "*"))
	var pkgs []string
	for _, d := range dirs {
		pkgs = append(pkgs, "vet2/"+filepath.Base(d)+"/...")
	}
	q := new(quiet)
	results := analysistest.Run(q, analysistest.TestData(), analyzer.Analyzer, pkgs...)
	rep := map[string][]string{}
	for _, r := range results {
		for _, d := range r.Diagnostics {
			p := strings.Split(r.Action.Package.PkgPath, "/")[1]
			rep[p] = append(rep[p], fmt.Sprintf("%s: %s", r.Pass.Fset.Position(d.Pos), d.Message))
		}
	}
	var out []string
	for _, d := range dirs {
		b := filepath.Base(d)
		if len(rep[b]) == 0 {
			out = append(out, b+": NOTHING")
		}
		for _, s := range rep[b] {
			out = append(out, b+": "+s)
		}
	}
	sort.Strings(out)
	fmt.Fprintln(os.Stderr, strings.Join(out, "\n"))
	for _, m := range q.msgs {
		if !strings.Contains(m, "unexpected diagnostic") && !strings.Contains(m, "unexpected fact") {
			t.Errorf("analysistest: %s", m)
		}
	}
}
