package analyzer

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/cfg"
)

// checkTwice reports the end of a scope or release func that every path
// from an earlier end of it reaches, with no new scope or isolation
// assigned to the variable in between: an end func panics when called
// twice. The walk of states misses it where the first end is on one branch
// only (the merge of ended and open is unknown):
//
//	if err != nil {
//		sc.End()
//	}
//	sc.End() // the second end whenever err is not nil
//
// A path that returns, panics, or comes back to where it started reaches
// no second end, and nothing is reported: two ends under conditions that
// exclude each other are never both on one path here.
func (w *walker) checkTwice(g *cfg.CFG) {
	for _, b := range g.Blocks {
		for i, n := range b.Nodes {
			for _, call := range w.endCalls(n) {
				v := w.endedVar(call)
				if v == nil {
					continue
				}
				seconds := map[*ast.CallExpr]bool{}
				if w.alwaysEndsAgain(b, i+1, v, map[*cfg.Block]bool{}, map[*cfg.Block]bool{b: true}, seconds) {
					for second := range seconds {
						w.reportf(second.Pos(), "%s is ended a second time here, after the end at line %d: an end or release func panics when called twice; end it once",
							types.ExprString(second.Fun), w.pass.Fset.Position(call.Pos()).Line)
					}
				}
			}
		}
	}
}

// endCalls lists the calls in n, outside func literals, that may end a
// scope or release an isolation held in a tracked variable.
func (w *walker) endCalls(n ast.Node) []*ast.CallExpr {
	var out []*ast.CallExpr
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if w.endedVar(x) != nil {
				out = append(out, x)
			}
		}
		return true
	})
	return out
}

// endedVar returns the tracked variable that call ends (sc.End(),
// release()), or nil.
func (w *walker) endedVar(call *ast.CallExpr) types.Object {
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.Ident:
		if obj := w.info.Uses[f]; w.tracked[obj] {
			return obj
		}
	case *ast.SelectorExpr:
		if api, ok := asAPI(w.info, call); ok && api.recv == "Scope" && api.name == "End" {
			if id, ok := ast.Unparen(api.x).(*ast.Ident); ok && w.tracked[w.info.Uses[id]] {
				return w.info.Uses[id]
			}
		}
	}
	return nil
}

// alwaysEndsAgain reports whether every path from the i'th node of b ends
// v again before v is assigned, the func returns or the path loops; it
// collects those second ends. memo holds the blocks decided, onPath those
// on the path being followed.
func (w *walker) alwaysEndsAgain(b *cfg.Block, i int, v types.Object, memo map[*cfg.Block]bool, onPath map[*cfg.Block]bool, seconds map[*ast.CallExpr]bool) bool {
	for _, n := range b.Nodes[i:] {
		if w.assigns(n, v) {
			return false
		}
		if ends := w.endCallsOf(n, v); len(ends) > 0 {
			seconds[ends[0]] = true
			return true
		}
	}
	if len(b.Succs) == 0 || b.Return() != nil {
		return false
	}
	for _, s := range b.Succs {
		if onPath[s] {
			return false // a loop that never ends v again
		}
		r, done := memo[s]
		if !done {
			onPath[s] = true
			r = w.alwaysEndsAgain(s, 0, v, memo, onPath, seconds)
			delete(onPath, s)
			memo[s] = r
		}
		if !r {
			return false
		}
	}
	return true
}

// endCallsOf lists the calls in n that end v.
func (w *walker) endCallsOf(n ast.Node, v types.Object) []*ast.CallExpr {
	var out []*ast.CallExpr
	for _, c := range w.endCalls(n) {
		if w.endedVar(c) == v {
			out = append(out, c)
		}
	}
	return out
}

// assigns reports whether n assigns v, or hands it away (a func literal or
// a call that takes it may end it).
func (w *walker) assigns(n ast.Node, v types.Object) bool {
	found := false
	ast.Inspect(n, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.AssignStmt:
			for _, l := range x.Lhs {
				if id, ok := ast.Unparen(l).(*ast.Ident); ok && w.objOf(id) == v {
					found = true
				}
			}
		case *ast.ValueSpec:
			for _, id := range x.Names {
				if w.objOf(id) == v {
					found = true
				}
			}
		case *ast.Ident:
			if w.info.Uses[x] == v && !w.isEndOperand(n, x) {
				found = true
			}
		}
		return !found
	})
	return found
}

// isEndOperand reports whether id, within n, is the operand of an end
// call (sc in sc.End(), release in release()).
func (w *walker) isEndOperand(n ast.Node, id *ast.Ident) bool {
	for _, c := range w.endCalls(n) {
		switch f := ast.Unparen(c.Fun).(type) {
		case *ast.Ident:
			if f == id {
				return true
			}
		case *ast.SelectorExpr:
			if ast.Unparen(f.X) == id {
				return true
			}
		}
	}
	return false
}
