package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"
)

// tokenReturns finds the receives of body that give back a slot the func
// took on the same channel earlier: a channel used as a semaphore. Such a
// receive does not wait: the value it takes is the func's own.
//
//	sem <- struct{}{} // takes a slot: may wait
//	…
//	<-sem             // gives it back: never waits
//
// The slot is taken by a send of a value that carries nothing (struct{}{},
// a constant), and given back by a receive, later in the func's text, on
// the same variable or field, whose value is dropped. A send of data, or a
// receive whose value is used, is a message (a request and its reply), and
// may wait. Func literals are their own funcs.
func tokenReturns(info *types.Info, body ast.Node) map[ast.Node]bool {
	sent := map[string]bool{} // channels this func sent a token on
	out := map[ast.Node]bool{}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SendStmt:
			if k := chanKey(n.Chan); k != "" && isToken(info, n.Value) {
				sent[k] = true
			}
		case *ast.ExprStmt:
			u, ok := ast.Unparen(n.X).(*ast.UnaryExpr)
			if !ok || u.Op != token.ARROW {
				return true
			}
			if k := chanKey(u.X); k != "" && sent[k] {
				out[u] = true
			}
		}
		return true
	})
	return out
}

// chanKey names a channel held in a variable or a field path (sem, p.sem),
// or "" for any other expression.
func chanKey(e ast.Expr) string {
	for x := ast.Unparen(e); ; {
		switch v := x.(type) {
		case *ast.Ident:
			return types.ExprString(ast.Unparen(e))
		case *ast.SelectorExpr:
			x = ast.Unparen(v.X)
		default:
			return ""
		}
	}
}

// isToken reports whether a sent value carries nothing: struct{}{} or a
// constant.
func isToken(info *types.Info, v ast.Expr) bool {
	if tv, ok := info.Types[v]; ok && tv.Value != nil {
		return true
	}
	lit, ok := ast.Unparen(v).(*ast.CompositeLit)
	return ok && len(lit.Elts) == 0
}
