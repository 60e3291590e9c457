// Package analyzer is isolatevet's analysis: it checks programs that use
// github.com/isolatekit/isolate against the rules of that package's doc,
// before they run.
//
// A member that blocks while running holds every isolation, and then every
// member, until it unblocks; at run time that shows as a stall. The
// analyzer finds it earlier, by following each member's state (running,
// harmless, idle, isolated) through each function's control flow:
//
//  1. blocking while running: a channel operation, a select without
//     default, a range over a channel, time.Sleep, sync waits and locks,
//     network and HTTP calls, and the Isolator's own waits, where a member
//     runs;
//  2. calls of funcs that may block (directly or through their callees,
//     across packages, by analysis facts) from running code, with the
//     chain that blocks;
//  3. scopes and isolations whose end is dropped, deferred without being
//     called, or not called on every path;
//  4. requests through the Isolator from one of its running members, which
//     wait for the member itself;
//  5. a Join without a Leave on some path;
//  6. other rules of the package doc: Idle or IsolateFull inside a
//     Harmless scope, a scope ended twice, a member used after Leave or
//     from another goroutine, funcs passed to Do that block, grace periods
//     and full isolations asked from inside the member's own scope or
//     isolation.
//
// A report is silenced by a comment that starts with //isolate:ok, on its
// line or on the line above, followed by the reason.
//
// The analyzer prefers silence to a wrong report: where it cannot tell a
// member's state (a member held in a field and used on entry of a method
// that opens no scope on it, a Member parameter the func calls Busy on, a
// scope or isolation passed to a helper or stored in a field, a state that
// differs between two paths) it reports nothing. It does not see
// goroutines started inside running code (they are other goroutines:
// their blocking holds nobody), calls through interfaces or func values
// other than a local func literal, nor blocking inside cgo.
package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/passes/ctrlflow"
	"golang.org/x/tools/go/analysis/passes/inspect"
	"golang.org/x/tools/go/ast/inspector"
)

// Analyzer checks the use of github.com/isolatekit/isolate.
var Analyzer = &analysis.Analyzer{
	Name:      "isolatevet",
	Doc:       "check the use of github.com/isolatekit/isolate: blocking while a member runs, lost scope ends and releases, Join without Leave, requests that wait for the requester",
	URL:       "https://pkg.go.dev/github.com/isolatekit/isolate/cmd/isolatevet",
	Run:       run,
	Requires:  []*analysis.Analyzer{inspect.Analyzer, ctrlflow.Analyzer},
	FactTypes: []analysis.Fact{new(mayBlock)},
}

// checkMutex turns the report of sync.Mutex and RWMutex Lock and RLock
// while a member runs on or off.
var checkMutex = true

func init() {
	Analyzer.Flags.BoolVar(&checkMutex, "mutex", true,
		"report sync.Mutex and sync.RWMutex Lock and RLock while a member runs")
}

// checker holds what one pass knows: the may-block funcs of the package and
// the lines that silence reports.
type checker struct {
	pass    *analysis.Pass
	blocks  map[*types.Func]*mayBlock
	okLines map[string]map[int]bool       // file name → lines with //isolate:ok
	seen    map[token.Pos]bool            // reported positions: one report a place
	decls   map[*types.Func]*ast.FuncDecl // the package's func declarations, once needed
	// idleFields names the fields the package joins idle into, once needed.
	idleFields map[string]bool
}

func run(pass *analysis.Pass) (any, error) {
	if pass.Pkg.Path() == isolatePath {
		return nil, nil // the library itself: its API is known by name
	}
	c := &checker{
		pass:    pass,
		blocks:  map[*types.Func]*mayBlock{},
		okLines: map[string]map[int]bool{},
		seen:    map[token.Pos]bool{},
	}
	uses := importsIsolate(pass.Pkg)
	c.computeFacts(uses)
	if !uses {
		return nil, nil
	}
	for _, f := range pass.Files {
		c.collectOK(f)
	}
	cfgs := pass.ResultOf[ctrlflow.Analyzer].(*ctrlflow.CFGs)
	ins := pass.ResultOf[inspect.Analyzer].(*inspector.Inspector)
	ins.Preorder([]ast.Node{(*ast.FuncDecl)(nil), (*ast.FuncLit)(nil)}, func(n ast.Node) {
		switch n := n.(type) {
		case *ast.FuncDecl:
			if n.Body != nil {
				c.checkFunc(n, n.Type, n.Body, cfgs.FuncDecl(n))
			}
		case *ast.FuncLit:
			c.checkFunc(n, n.Type, n.Body, cfgs.FuncLit(n))
		}
	})
	return nil, nil
}

// importsIsolate reports whether pkg imports the isolate package directly.
func importsIsolate(pkg *types.Package) bool {
	for _, p := range pkg.Imports() {
		if p.Path() == isolatePath {
			return true
		}
	}
	return false
}

// collectOK records the lines of f that carry an //isolate:ok comment.
func (c *checker) collectOK(f *ast.File) {
	for _, g := range f.Comments {
		for _, cm := range g.List {
			if strings.HasPrefix(cm.Text, "//isolate:ok") {
				p := c.pass.Fset.Position(cm.Slash)
				if c.okLines[p.Filename] == nil {
					c.okLines[p.Filename] = map[int]bool{}
				}
				c.okLines[p.Filename][p.Line] = true
			}
		}
	}
}

// reportf reports at pos unless an //isolate:ok comment silences it, or
// the place was reported already.
func (c *checker) reportf(pos token.Pos, format string, args ...any) {
	if c.seen[pos] {
		return
	}
	c.seen[pos] = true
	p := c.pass.Fset.Position(pos)
	if lines := c.okLines[p.Filename]; lines[p.Line] || lines[p.Line-1] {
		return
	}
	c.pass.Reportf(pos, format, args...)
}

// isMainMain reports whether fn is package main's func main, whose return
// ends the process: nothing it leaves open matters.
func (c *checker) isMainMain(fn ast.Node) bool {
	d, ok := fn.(*ast.FuncDecl)
	return ok && d.Recv == nil && d.Name.Name == "main" && c.pass.Pkg.Name() == "main"
}
