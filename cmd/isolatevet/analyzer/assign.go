package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"
)

// assignments walks body and calls assign for each variable that it assigns,
// or declares with a value, with the value (nil where the right side is not
// one value per variable), and addressed for each variable whose address it
// takes (nil for an identifier that names no variable).
func assignments(info *types.Info, body ast.Node, assign func(obj types.Object, rhs ast.Expr), addressed func(obj types.Object)) {
	note := func(id *ast.Ident, rhs ast.Expr) {
		if id.Name == "_" {
			return
		}
		if obj := objectOf(info, id); obj != nil {
			assign(obj, rhs)
		}
	}
	ast.Inspect(body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.AssignStmt:
			for i, l := range n.Lhs {
				if id, ok := ast.Unparen(l).(*ast.Ident); ok {
					var r ast.Expr
					if len(n.Rhs) == len(n.Lhs) {
						r = n.Rhs[i]
					}
					note(id, r)
				}
			}
		case *ast.ValueSpec:
			for i, id := range n.Names {
				if len(n.Values) == len(n.Names) {
					note(id, n.Values[i])
				}
			}
		case *ast.UnaryExpr:
			if id, ok := ast.Unparen(n.X).(*ast.Ident); ok && n.Op == token.AND {
				addressed(info.Uses[id])
			}
		}
		return true
	})
}

// objectOf returns the variable that id defines or uses, or nil.
func objectOf(info *types.Info, id *ast.Ident) types.Object {
	if obj := info.Defs[id]; obj != nil {
		return obj
	}
	return info.Uses[id]
}
