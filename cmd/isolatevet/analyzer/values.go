package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// What an assignment may hold besides a scope, a release func or a member
// in a variable: members joined into the fields of a struct literal, the
// End of a scope kept as a method value, and scopes and isolations stored
// where the walker does not follow them.

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

// unfollowedOpens finds the calls of the func's body, outside func
// literals, that open a scope or an isolation whose Scope or release func
// goes where the walker does not follow it: into a field, an element, a
// composite literal, a channel, an argument (c.sc = m.IsolateScope(),
// keep(m.Harmless())). Its End may come anywhere, after which the member
// runs on unseen; its state is unknown from the opening on. Followed are a
// variable (sc := …, _ = …), an end in place (m.Harmless().End(),
// m.Isolate()()), an End kept as a method value in a variable, a defer, a
// return, and a statement that drops it (reported as dropped).
func (w *walker) unfollowedOpens() map[*ast.CallExpr]bool {
	out := map[*ast.CallExpr]bool{}
	var stack []ast.Node
	ast.Inspect(w.body, func(n ast.Node) bool {
		if n == nil {
			stack = stack[:len(stack)-1]
			return true
		}
		if _, ok := n.(*ast.FuncLit); ok {
			return false
		}
		stack = append(stack, n)
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if api, ok := asAPI(w.info, call); !ok || (api.opens() != opensScope && api.opens() != opensIsolation) {
			return true
		}
		if !followed(call, stack[:len(stack)-1]) {
			out[call] = true
		}
		return true
	})
	return out
}

// followed reports whether the value of x, a node whose ancestors are
// stack (innermost last), goes where the walker follows it.
func followed(x ast.Node, stack []ast.Node) bool {
	for i := len(stack) - 1; i >= 0; i-- {
		switch p := stack[i].(type) {
		case *ast.ParenExpr:
			x = p
			continue
		case *ast.SelectorExpr: // x.End: where it goes, the scope goes
			if p.Sel.Name != "End" {
				return false
			}
			x = p
			continue
		case *ast.CallExpr: // ended in place, not passed as an argument
			return p.Fun == x
		case *ast.AssignStmt: // sc := …, release, ok := …: a variable
			_, ok := p.Lhs[0].(*ast.Ident)
			return ok && len(p.Rhs) == 1
		case *ast.ValueSpec:
			return len(p.Values) == 1
		case *ast.ExprStmt, *ast.DeferStmt, *ast.ReturnStmt:
			return true
		}
		return false
	}
	return false
}
