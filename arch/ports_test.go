package arch

import (
	"go/ast"
	"go/build"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// ports are the ports of `go tool dist list` for Go 1.25 to 1.27 (1.26
// dropped freebsd/riscv64; CI tests with 1.25 too). TestPortsAreKnown
// compares it with the installed toolchain when one is available.
var ports = []string{
	"aix/ppc64", "android/386", "android/amd64", "android/arm", "android/arm64",
	"darwin/amd64", "darwin/arm64", "dragonfly/amd64", "freebsd/386", "freebsd/amd64",
	"freebsd/arm", "freebsd/arm64", "freebsd/riscv64", "illumos/amd64", "ios/amd64",
	"ios/arm64", "js/wasm", "linux/386", "linux/amd64", "linux/arm", "linux/arm64",
	"linux/loong64", "linux/mips", "linux/mips64", "linux/mips64le", "linux/mipsle",
	"linux/ppc64", "linux/ppc64le", "linux/riscv64", "linux/s390x", "netbsd/386",
	"netbsd/amd64", "netbsd/arm", "netbsd/arm64", "openbsd/386", "openbsd/amd64",
	"openbsd/arm", "openbsd/arm64", "openbsd/ppc64", "openbsd/riscv64", "plan9/386",
	"plan9/amd64", "plan9/arm", "solaris/amd64", "wasip1/wasm", "windows/386",
	"windows/amd64", "windows/arm64",
}

// asmPorts are the architectures whose hints are written in assembly.
var asmPorts = []string{"amd64", "arm64"}

// implemented are the functions that every port must define exactly once,
// in Go or in assembly.
var implemented = []string{"Pause", "pauseN", "PauseN", "G", "getg", "CallerPCs"}

var textRE = regexp.MustCompile(`(?m)^TEXT\s+·(\w+)\(SB\)`)

// TestPortCoverage evaluates the build constraints of the package's files
// for every port, as the go command would, and checks that each port gets
// exactly one definition of each function: a Go body, or a Go declaration
// together with an assembly TEXT symbol. It fails if a build tag leaves a
// port without an implementation or gives it two.
func TestPortCoverage(t *testing.T) {
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && !strings.HasSuffix(name, "_test.go") &&
			(strings.HasSuffix(name, ".go") || strings.HasSuffix(name, ".s")) {
			files = append(files, name)
		}
	}

	for _, port := range ports {
		goos, goarch, _ := strings.Cut(port, "/")
		ctx := build.Context{GOOS: goos, GOARCH: goarch, Compiler: "gc", CgoEnabled: false}
		bodies := map[string]int{} // Go functions with a body
		decls := map[string]int{}  // Go functions without a body
		texts := map[string]int{}  // assembly symbols
		for _, name := range files {
			ok, err := ctx.MatchFile(".", name)
			if err != nil {
				t.Fatalf("%s: %s: %v", port, name, err)
			}
			if !ok {
				continue
			}
			src, err := os.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Ext(name) == ".s" {
				for _, m := range textRE.FindAllStringSubmatch(string(src), -1) {
					texts[m[1]]++
				}
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
					if fd.Body == nil {
						decls[fd.Name.Name]++
					} else {
						bodies[fd.Name.Name]++
					}
				}
			}
		}

		wantAsm := slices.Contains(asmPorts, goarch)
		for _, fn := range implemented {
			switch {
			case bodies[fn]+texts[fn] != 1:
				t.Errorf("%s: %s has %d Go bodies and %d assembly bodies, want exactly one in all",
					port, fn, bodies[fn], texts[fn])
			case texts[fn] != decls[fn]:
				t.Errorf("%s: %s has %d assembly bodies but %d Go declarations", port, fn, texts[fn], decls[fn])
			}
		}
		for _, fn := range []string{"Pause", "pauseN", "getg"} {
			if gotAsm := texts[fn] == 1; gotAsm != wantAsm {
				t.Errorf("%s: %s in assembly: %t, want %t", port, fn, gotAsm, wantAsm)
			}
		}
		for fn := range texts {
			if !slices.Contains(implemented, fn) {
				t.Errorf("%s: unexpected assembly symbol %s", port, fn)
			}
		}
	}
}

// TestPortsAreKnown checks the port list against the installed Go
// toolchain, so that a new port is noticed. It is skipped when no go
// command is available (on a device running a cross-compiled test binary,
// say).
func TestPortsAreKnown(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH")
	}
	out, err := exec.Command(goCmd, "tool", "dist", "list").Output()
	if err != nil {
		t.Skipf("go tool dist list: %v", err)
	}
	for _, port := range strings.Fields(string(out)) {
		if !slices.Contains(ports, port) {
			t.Errorf("port %s is missing from the ports list in this test", port)
		}
	}
}
