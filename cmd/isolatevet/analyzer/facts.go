package analyzer

import (
	"fmt"
	"go/ast"
	"go/build"
	"go/types"
	"path/filepath"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// mayBlock is the fact that a func may block: it has a blocking operation
// outside any scope, directly or through the funcs it calls. Why says what
// blocks and where, after the chain of callees that leads there:
// "receiveOne → <-jobs at x.go:12".
//
// Only funcs that use no Member and no Scope get the fact: a func that
// handles a member is checked inside, against that member's state, and
// reports there. Mutex locks give no fact: nearly everything locks a mutex
// somewhere (log, sync.Pool), and they wait only while another holds them.
type mayBlock struct{ Why string }

func (*mayBlock) AFact()           {}
func (f *mayBlock) String() string { return "mayBlock(" + f.Why + ")" }

// maxChain is the most callees a chain names; longer chains keep their ends.
const maxChain = 4

// computeFacts finds the package's funcs that may block and exports a fact
// for each. usesIsolate says whether the package can hold members at all.
func (c *checker) computeFacts(usesIsolate bool) {
	if c.isStd() {
		// The standard library's blocking calls are known by name
		// (blockingCall); its internals would make nearly every call
		// block (fmt reaches the runtime's garbage collector, which
		// waits on channels).
		return
	}
	type summary struct {
		fn    *types.Func
		calls []*ast.CallExpr
	}
	var funcs []summary
	for _, f := range c.pass.Files {
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func)
			if !ok || (usesIsolate && c.handlesMembers(fd)) {
				continue
			}
			s := summary{fn: fn}
			if op := c.firstBlockingOp(fd.Body, false, func(call *ast.CallExpr) { s.calls = append(s.calls, call) }); op != "" {
				c.blocks[fn] = &mayBlock{Why: op}
			}
			funcs = append(funcs, s)
		}
	}
	// Through calls, to a fixed point: each round adds at least one func.
	for changed := true; changed; {
		changed = false
		for _, s := range funcs {
			if c.blocks[s.fn] != nil {
				continue
			}
			for _, call := range s.calls {
				callee := typeutil.StaticCallee(c.pass.TypesInfo, call)
				if callee == nil {
					continue
				}
				if why := c.calleeBlocks(callee); why != "" {
					c.blocks[s.fn] = &mayBlock{Why: chain(c.funcName(callee), why)}
					changed = true
					break
				}
			}
		}
	}
	for fn, f := range c.blocks {
		c.pass.ExportObjectFact(fn, f)
	}
}

// isStd reports whether the package is in the standard library: its files
// lie under GOROOT.
func (c *checker) isStd() bool {
	if len(c.pass.Files) == 0 {
		return true
	}
	root := filepath.Join(build.Default.GOROOT, "src") + string(filepath.Separator)
	return strings.HasPrefix(c.pass.Fset.File(c.pass.Files[0].Pos()).Name(), root)
}

// calleeBlocks returns why callee may block, or "".
func (c *checker) calleeBlocks(callee *types.Func) string {
	callee = callee.Origin()
	if f := c.blocks[callee]; f != nil {
		return f.Why
	}
	if callee.Pkg() == nil || callee.Pkg() == c.pass.Pkg || callee.Pkg().Path() == isolatePath {
		return ""
	}
	var f mayBlock
	if c.pass.ImportObjectFact(callee, &f) {
		return f.Why
	}
	return ""
}

// chain prefixes why with the name of the callee it comes through.
func chain(name, why string) string {
	parts := strings.Split(why, " → ")
	parts = append([]string{name}, parts...)
	if len(parts) > maxChain+1 {
		parts = append(parts[:maxChain-1], append([]string{"…"}, parts[len(parts)-2:]...)...)
	}
	return strings.Join(parts, " → ")
}

// funcName names fn for a report: Name, T.Name, or pkg.Name from another
// package.
func (c *checker) funcName(fn *types.Func) string {
	name := fn.Name()
	if r := fn.Signature().Recv(); r != nil {
		t := r.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := t.(*types.Named); ok {
			name = n.Obj().Name() + "." + name
		}
	}
	if fn.Pkg() != nil && fn.Pkg() != c.pass.Pkg {
		name = fn.Pkg().Name() + "." + name
	}
	return name
}

// where formats a position as file.go:line.
func (c *checker) where(n ast.Node) string {
	p := c.pass.Fset.Position(n.Pos())
	return fmt.Sprintf("%s:%d", filepath.Base(p.Filename), p.Line)
}

// handlesMembers reports whether fd (a func declaration or literal) has a
// Member or Scope anywhere: as a parameter, a variable or a value it
// computes.
func (c *checker) handlesMembers(fd ast.Node) bool {
	found := false
	ast.Inspect(fd, func(n ast.Node) bool {
		if found {
			return false
		}
		if e, ok := n.(ast.Expr); ok {
			if t := c.pass.TypesInfo.TypeOf(e); isMember(t) || isScope(t) {
				found = true
			}
		}
		return true
	})
	return found
}

// firstBlockingOp returns the first operation in body that blocks, as
// "<-jobs at x.go:12", or "". It does not look into func literals (they run
// when called, maybe on another goroutine) nor into go statements; it hands
// every other call to onCall, for the check through calls. withMutex counts
// mutex locks too.
func (c *checker) firstBlockingOp(body ast.Node, withMutex bool, onCall func(*ast.CallExpr)) string {
	first := ""
	found := func(desc string, n ast.Node) {
		if first == "" {
			first = desc + " at " + c.where(n)
		}
	}
	wrappers := netWrappers(c.pass.TypesInfo, body)
	ast.Inspect(body, func(n ast.Node) bool { return c.blockingNode(n, withMutex, wrappers, found, onCall) })
	return first
}

// blockingNode reports through found whether n blocks by itself, and hands
// calls to onCall. It returns whether to look inside n.
func (c *checker) blockingNode(n ast.Node, withMutex bool, wrappers map[types.Object]bool, found func(string, ast.Node), onCall func(*ast.CallExpr)) bool {
	info := c.pass.TypesInfo
	switch n := n.(type) {
	case *ast.FuncLit, *ast.GoStmt:
		return false
	case *ast.SelectStmt:
		return c.blockingSelect(n, withMutex, wrappers, found, onCall)
	case *ast.UnaryExpr:
		if n.Op.String() == "<-" {
			found(types.ExprString(n), n)
		}
	case *ast.SendStmt:
		found("send on "+types.ExprString(n.Chan), n)
	case *ast.RangeStmt:
		if isChan(info, n.X) {
			found("range over "+types.ExprString(n.X), n)
		}
	case *ast.CallExpr:
		if api, ok := asAPI(info, n); ok {
			if api.recv == "Isolator" && isolatorWaits(api.name) {
				found(types.ExprString(n.Fun), n)
			}
			return true
		}
		if k, desc := blockingCall(info, n, wrappers); k != notBlocking && (k != blocksMutex || withMutex) {
			found(desc, n)
		} else if onCall != nil {
			onCall(n)
		}
	}
	return true
}

// blockingSelect reports a select without default; its comm clauses'
// operations are the select's own, their bodies are looked into.
func (c *checker) blockingSelect(s *ast.SelectStmt, withMutex bool, wrappers map[types.Object]bool, found func(string, ast.Node), onCall func(*ast.CallExpr)) bool {
	if !hasDefault(s) {
		found("select without default", s)
	}
	for _, cl := range s.Body.List {
		for _, st := range cl.(*ast.CommClause).Body {
			ast.Inspect(st, func(m ast.Node) bool { return c.blockingNode(m, withMutex, wrappers, found, onCall) })
		}
	}
	return false
}

// hasDefault reports whether a select has a default clause.
func hasDefault(s *ast.SelectStmt) bool {
	for _, cl := range s.Body.List {
		if cl.(*ast.CommClause).Comm == nil {
			return true
		}
	}
	return false
}
