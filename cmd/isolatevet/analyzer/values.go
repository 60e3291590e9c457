package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// What an assignment may hold besides a scope, a release func or a member
// in a variable: members joined into the fields of a struct literal, and
// the End of a scope kept as a method value.

// bindFields records the members a struct literal joins into its fields:
// after c := &conn{Member: iso.Join()}, c.Member runs. Only where the func
// leaves that member too: a constructor that joins, stores and returns
// hands the member to a goroutine of its own, and says nothing of its
// state meanwhile.
func (w *walker) bindFields(lhs, rhs ast.Expr, e *env) {
	k, ok := w.keyOf(lhs)
	if !ok {
		return
	}
	if w.leaves == nil {
		w.leaves = map[mkey]bool{}
		ast.Inspect(w.body, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if api, ok := asAPI(w.info, call); ok && api.recv == "Member" && api.name == "Leave" {
					if lk, ok := w.apiKey(api); ok {
						w.leaves[lk] = true
					}
				}
			}
			return true
		})
	}
	x := ast.Unparen(rhs)
	if u, ok := x.(*ast.UnaryExpr); ok && u.Op == token.AND {
		x = ast.Unparen(u.X)
	}
	lit, ok := x.(*ast.CompositeLit)
	if !ok {
		return
	}
	for _, el := range lit.Elts {
		kv, ok := el.(*ast.KeyValueExpr)
		if !ok {
			continue
		}
		name, ok := kv.Key.(*ast.Ident)
		call, ok2 := ast.Unparen(kv.Value).(*ast.CallExpr)
		if !ok || !ok2 {
			continue
		}
		fk := mkey{obj: k.obj, path: k.path + "." + name.Name}
		if api, ok := asAPI(w.info, call); ok && api.opens() == opensMember && w.leaves[fk] {
			st := stRunning
			if strings.HasPrefix(api.name, "JoinIdle") {
				st = stIdle
			}
			e.members[fk] = st
		}
	}
}

// endValue recognizes the method value of a Scope's End on a scope just
// opened (m.Harmless().End), and returns the call that opens it.
func (w *walker) endValue(e ast.Expr) (ast.Expr, bool) {
	sel, ok := ast.Unparen(e).(*ast.SelectorExpr)
	if !ok || sel.Sel.Name != "End" || !isScope(w.info.TypeOf(sel.X)) {
		return nil, false
	}
	if s := w.info.Selections[sel]; s == nil || s.Kind() != types.MethodVal {
		return nil, false
	}
	if _, ok := ast.Unparen(sel.X).(*ast.CallExpr); !ok {
		return nil, false
	}
	return sel.X, true
}
