package analyzer

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"
)

// A helper of the package that takes a Member and, first thing, opens an
// Idle scope on it or asks for a full isolation panics when its caller
// hands it a member inside a Harmless scope, as the call itself would:
//
//	h := m.Harmless()
//	rebuild(m) // rebuild starts with m.IsolateFull(): it panics here
//	h.End()
//
// "First thing": a statement of the helper's body, not nested in a branch
// or a loop, with no statement before it that returns or calls a method of
// that member. Only funcs of the package checked are looked into.

// harmlessCall reports the arguments of call that are members inside a
// Harmless scope, passed to a helper that needs them otherwise.
func (w *walker) harmlessCall(call *ast.CallExpr, e *env) {
	if !w.report {
		return
	}
	fn := typeutil.StaticCallee(w.info, call)
	if fn == nil || fn.Pkg() != w.pass.Pkg {
		return
	}
	for i, a := range call.Args {
		k, ok := w.keyOf(a)
		if !ok || !isMember(w.info.TypeOf(a)) || w.state(e, k) != stHarmless {
			continue
		}
		if first := w.firstNeed(fn, i); first != "" {
			w.reportf(call.Pos(), "%s starts with %s, which panics inside %s's Harmless scope: call %s before the scope or after its end, or open the scope with Idle",
				w.funcName(fn), first, k, w.funcName(fn))
			return
		}
	}
}

// firstNeed returns the call (p.Idle(), p.IsolateFull()) that fn makes
// first thing on its i'th parameter, a Member, or "".
func (c *checker) firstNeed(fn *types.Func, i int) string {
	sig := fn.Signature()
	if i >= sig.Params().Len() || sig.Variadic() && i == sig.Params().Len()-1 {
		return ""
	}
	p := sig.Params().At(i)
	decl := c.declOf(fn)
	if decl == nil || decl.Body == nil || !isMember(p.Type()) {
		return ""
	}
	info := c.pass.TypesInfo
	for _, st := range decl.Body.List {
		if call := needCall(info, st, p); call != nil {
			return types.ExprString(call.Fun) + "()"
		}
		stop := false
		ast.Inspect(st, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ReturnStmt:
				stop = true
			case *ast.CallExpr:
				if api, ok := asAPI(info, n); ok && api.recv == "Member" {
					if id, ok := ast.Unparen(api.x).(*ast.Ident); ok && info.Uses[id] == p {
						stop = true
					}
				}
			}
			return !stop
		})
		if stop {
			return ""
		}
	}
	return ""
}

// needCall returns the call of st, a statement of the helper's body, that
// opens an Idle scope on p or asks for a full isolation: sc := p.Idle(),
// defer p.Idle().End(), release := p.IsolateFull(), defer
// p.IsolateFull()().
func needCall(info *types.Info, st ast.Stmt, p *types.Var) *ast.CallExpr {
	var x ast.Expr
	switch st := st.(type) {
	case *ast.AssignStmt:
		if len(st.Rhs) == 1 {
			x = st.Rhs[0]
		}
	case *ast.ExprStmt:
		x = st.X
	case *ast.DeferStmt:
		x = st.Call.Fun // p.Idle().End, p.IsolateFull()
		if sel, ok := ast.Unparen(x).(*ast.SelectorExpr); ok {
			x = sel.X
		}
	}
	call, ok := ast.Unparen(x).(*ast.CallExpr)
	if !ok {
		return nil
	}
	api, ok := asAPI(info, call)
	if !ok || api.recv != "Member" {
		return nil
	}
	if id, ok := ast.Unparen(api.x).(*ast.Ident); !ok || info.Uses[id] != p {
		return nil
	}
	switch api.name {
	case "Idle", "IsolateFull", "IsolateFullContext":
		return call
	}
	return nil
}
