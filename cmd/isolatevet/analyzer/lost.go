package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"

	"golang.org/x/tools/go/cfg"
)

// dropMessage says what a dropped result of an API call loses, and the fix.
func dropMessage(api apiCall, call string) string {
	switch api.opens() {
	case opensScope:
		return "the Scope of " + call + " is dropped: the scope never ends; write defer " + call + ".End(), or sc := " + call + " … sc.End()"
	case opensIsolation:
		if api.endsByScope() {
			return "the Scope of " + call + " is dropped: the isolation never ends; write defer " + call + ".End(), or sc := " + call + " … sc.End()"
		}
		if strings.HasSuffix(api.name, "Context") {
			return "the release func of " + call + " is dropped: the isolation never ends; keep it (release, err := " + call + ") and call it when err is nil"
		}
		if api.name == "TryIsolate" {
			return "the release func of " + call + " is dropped: the isolation never ends; keep it (release, ok := " + call + ") and call it when ok"
		}
		return "the release func of " + call + " is dropped: the isolation never ends; write defer " + call + "(), or release := " + call + " … release()"
	case opensMember:
		return "the Member of " + call + " is dropped: it can never Leave; write m := " + call + "; defer m.Leave()"
	}
	return ""
}

// endCall writes the call that ends x, a Scope or a release func that api
// returned: x.End() or x().
func endCall(api apiCall, x string) string {
	if api.endsByScope() {
		return x + ".End()"
	}
	return x + "()"
}

// checkDropped reports the results of Harmless, Idle, Busy, the isolation
// requests and Join that are dropped, or deferred without being called
// (check 3, and check 5 for Join).
func (c *checker) checkDropped(body *ast.BlockStmt) {
	info := c.pass.TypesInfo
	apiOf := func(e ast.Expr) (apiCall, string, bool) {
		call, ok := ast.Unparen(e).(*ast.CallExpr)
		if !ok {
			return apiCall{}, "", false
		}
		api, ok := asAPI(info, call)
		if !ok || api.opens() == opensNothing {
			return apiCall{}, "", false
		}
		return api, types.ExprString(call), true
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.ExprStmt:
			if api, s, ok := apiOf(n.X); ok {
				c.reportf(n.Pos(), "%s", dropMessage(api, s))
			}
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 {
				if id, ok := n.Lhs[0].(*ast.Ident); ok && id.Name == "_" {
					if api, s, ok := apiOf(n.Rhs[0]); ok {
						c.reportf(n.Pos(), "%s", dropMessage(api, s))
					}
				}
			}
		case *ast.DeferStmt:
			if api, s, ok := apiOf(n.Call); ok {
				switch api.opens() {
				case opensScope:
					c.reportf(n.Pos(), "defer %s opens the scope when the func returns, and never ends it: write defer %s.End()", s, s)
				case opensIsolation:
					c.reportf(n.Pos(), "defer %s isolates when the func returns, and never releases: write defer %s", s, endCall(api, s))
				}
			}
		}
		return true
	})
}

// checkLost reports a scope, release func or member held in a local
// variable that some path leaves without ending, releasing or leaving it
// (checks 3 and 5), as lostcancel does for cancel funcs: any use of the
// variable on the path counts, except, for a member, calls of its own
// methods other than Leave.
func (w *walker) checkLost(g *cfg.CFG) {
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			var lhs ast.Expr
			var rhs ast.Expr
			switch n := n.(type) {
			case *ast.AssignStmt:
				// Only a definition: a variable declared before and
				// assigned under a condition is ended under the same
				// condition, which paths do not show.
				if len(n.Rhs) == 1 && n.Tok == token.DEFINE {
					lhs, rhs = n.Lhs[0], n.Rhs[0]
				}
			case *ast.ValueSpec:
				if len(n.Values) == 1 {
					lhs, rhs = n.Names[0], n.Values[0]
				}
			}
			call, ok := ast.Unparen(rhs).(*ast.CallExpr)
			if !ok {
				continue
			}
			api, ok := asAPI(w.info, call)
			if !ok || api.opens() == opensNothing {
				continue
			}
			id, ok := lhs.(*ast.Ident)
			if !ok {
				continue
			}
			v, ok := w.objOf(id).(*types.Var)
			if !ok || !w.isLocal(v) {
				continue
			}
			var leaves map[*ast.CallExpr]bool
			if api.opens() == opensScope {
				leaves = w.leavesOf(api, call.Pos())
				if leaves == nil {
					continue // a deferred Leave ends the scope on every return
				}
			}
			ret := w.lostPath(b, i, v, api.opens() == opensMember, leaves)
			if ret == nil {
				continue
			}
			line := w.pass.Fset.Position(ret.Pos()).Line
			recv := types.ExprString(api.x)
			switch api.opens() {
			case opensScope:
				w.reportf(n.Pos(), "%s is not ended on every path: the return at line %d leaves %s's scope open; defer %s.End() right after opening it", v.Name(), line, recv, v.Name())
			case opensIsolation:
				verb := "called"
				if api.endsByScope() {
					verb = "ended"
				}
				w.reportf(n.Pos(), "%s is not %s on every path: the return at line %d leaves the isolation held; defer %s right after the request", v.Name(), verb, line, endCall(api, v.Name()))
			case opensMember:
				w.reportf(n.Pos(), "%s does not Leave on every path: the return at line %d leaves it joined; defer %s.Leave() right after the Join", v.Name(), line, v.Name())
			}
		}
	}
}

// leavesOf returns the calls of Leave on the member x (whose scope opens at
// pos) in the func: Leave ends the scopes still open, so a path through
// one of them loses nothing. It returns nil when a defer x.Leave() comes
// before pos: every return after the scope's opening leaves the member.
func (w *walker) leavesOf(scope apiCall, pos token.Pos) map[*ast.CallExpr]bool {
	k, ok := w.apiKey(scope)
	out := map[*ast.CallExpr]bool{}
	if !ok {
		return out
	}
	deferred := false
	ast.Inspect(w.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.DeferStmt:
			if n.Pos() >= pos {
				return true
			}
			if isLeaveOf(w, n.Call, k) {
				deferred = true
			}
			if lit, ok := ast.Unparen(n.Call.Fun).(*ast.FuncLit); ok {
				ast.Inspect(lit.Body, func(x ast.Node) bool {
					if call, ok := x.(*ast.CallExpr); ok && isLeaveOf(w, call, k) {
						deferred = true
					}
					return !deferred
				})
			}
			return false
		case *ast.CallExpr:
			if isLeaveOf(w, n, k) {
				out[n] = true
			}
		}
		return true
	})
	if deferred {
		return nil
	}
	return out
}

// isLeaveOf reports whether call is k.Leave().
func isLeaveOf(w *walker, call *ast.CallExpr, k mkey) bool {
	api, ok := asAPI(w.info, call)
	if !ok || api.recv != "Member" || api.name != "Leave" {
		return false
	}
	ck, ok := w.apiKey(api)
	return ok && ck == k
}

// lostPath finds a path from the i'th node of def to a return that does
// not use v, and returns that return, or nil. On the branch where the
// request failed (its ok false or its err not nil) there is nothing to end.
func (w *walker) lostPath(def *cfg.Block, i int, v *types.Var, member bool, leaves map[*ast.CallExpr]bool) *ast.ReturnStmt {
	notUse := map[*ast.Ident]bool{}
	if member {
		notUse = w.borrowedArgs(v)
		ast.Inspect(w.body, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if api, ok := asAPI(w.info, call); ok && api.recv == "Member" && api.name != "Leave" {
					if id, ok := ast.Unparen(api.x).(*ast.Ident); ok {
						notUse[id] = true
					}
				}
			}
			return true
		})
	}
	uses := func(nodes []ast.Node) bool {
		found := false
		for _, n := range nodes {
			ast.Inspect(n, func(x ast.Node) bool {
				if id, ok := x.(*ast.Ident); ok && w.info.Uses[id] == v && !notUse[id] {
					found = true
				}
				if call, ok := x.(*ast.CallExpr); ok && leaves[call] {
					found = true
				}
				if r, ok := x.(*ast.ReturnStmt); ok && r.Results == nil && w.isResult(v) {
					found = true
				}
				return !found
			})
		}
		return found
	}
	if uses(def.Nodes[i+1:]) {
		return nil
	}
	if ret := def.Return(); ret != nil {
		return ret
	}
	seen := map[*cfg.Block]bool{}
	var search func(from *cfg.Block) *ast.ReturnStmt
	search = func(from *cfg.Block) *ast.ReturnStmt {
		fail := -1
		if len(from.Succs) == 2 && len(from.Nodes) > 0 {
			if cond, ok := from.Nodes[len(from.Nodes)-1].(ast.Expr); ok {
				if obj, f := w.failBranch(cond); obj == v {
					fail = f
				}
			}
		}
		for j, b := range from.Succs {
			if j == fail || seen[b] {
				continue
			}
			seen[b] = true
			if uses(b.Nodes) {
				continue
			}
			if ret := b.Return(); ret != nil {
				return ret
			}
			if ret := search(b); ret != nil {
				return ret
			}
		}
		return nil
	}
	return search(def)
}

// isResult reports whether v is a named result of the func checked.
func (w *walker) isResult(v *types.Var) bool {
	var typ *ast.FuncType
	switch fn := w.fn.(type) {
	case *ast.FuncDecl:
		typ = fn.Type
	case *ast.FuncLit:
		typ = fn.Type
	}
	if typ == nil || typ.Results == nil {
		return false
	}
	for _, f := range typ.Results.List {
		for _, name := range f.Names {
			if w.info.Defs[name] == v {
				return true
			}
		}
	}
	return false
}
