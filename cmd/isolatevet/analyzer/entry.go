package analyzer

import (
	"go/ast"
	"go/types"
	"strings"
)

// entryState is what the func knows of its members on entry:
//
//   - a Member parameter runs, unless the func calls Busy on it: Busy
//     changes nothing for a member that runs, so such a func gets the
//     member idle (a callback's, joined with JoinIdle), and its state is
//     unknown;
//   - a member in a field of the receiver or of a parameter (w.m) runs
//     where the func opens a Harmless or Idle scope on it and calls no
//     Busy on it: the scope says the func was written for a member that
//     runs; the member of a func that opens none is unknown, and so is a
//     field the package ever joins idle into;
//   - anything else is unknown, or not joined yet (a local).
func (w *walker) entryState(typ *ast.FuncType) *env {
	entry := &env{members: map[mkey]mstate{}, scopes: map[types.Object]scopeRec{}}
	scoped, busy := w.scopedMembers()
	for _, f := range typ.Params.List {
		for _, name := range f.Names {
			if v, ok := w.info.Defs[name].(*types.Var); ok && isMember(v.Type()) && !busy[mkey{obj: v}] {
				entry.members[mkey{obj: v}] = stRunning
			}
		}
	}
	for k := range scoped {
		if k.path != "" && !busy[k] && w.isLocalOrParam(k.obj) && !w.isLocal(k.obj) && !w.idleField(k) {
			entry.members[k] = stRunning
		}
	}
	return entry
}

// idleField reports whether the last field of k's path is one the package
// ever joins idle into (m: iso.JoinIdle(), or x.m = iso.JoinIdle()): such a
// member may be idle on entry even where the func opens a scope on it.
func (w *walker) idleField(k mkey) bool {
	if w.idleFields == nil {
		w.idleFields = map[string]bool{}
		joinIdle := func(e ast.Expr) bool {
			call, ok := ast.Unparen(e).(*ast.CallExpr)
			if !ok {
				return false
			}
			api, ok := asAPI(w.info, call)
			return ok && api.recv == "Isolator" && strings.HasPrefix(api.name, "JoinIdle")
		}
		for _, f := range w.pass.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.KeyValueExpr:
					if id, ok := n.Key.(*ast.Ident); ok && joinIdle(n.Value) {
						w.idleFields[id.Name] = true
					}
				case *ast.AssignStmt:
					for i, l := range n.Lhs {
						if sel, ok := ast.Unparen(l).(*ast.SelectorExpr); ok && len(n.Rhs) == len(n.Lhs) && joinIdle(n.Rhs[i]) {
							w.idleFields[sel.Sel.Name] = true
						}
					}
				}
				return true
			})
		}
	}
	return w.idleFields[k.path[strings.LastIndex(k.path, ".")+1:]]
}

// scopedMembers finds the members the func opens a Harmless or Idle scope
// on, outside func literals, and those it calls Busy on, anywhere in its
// body.
func (w *walker) scopedMembers() (scoped, busy map[mkey]bool) {
	scoped, busy = map[mkey]bool{}, map[mkey]bool{}
	var visit func(n ast.Node, inLit bool)
	visit = func(root ast.Node, inLit bool) {
		ast.Inspect(root, func(n ast.Node) bool {
			if lit, ok := n.(*ast.FuncLit); ok && lit != root {
				visit(lit, true)
				return false
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			api, ok := asAPI(w.info, call)
			if !ok || api.recv != "Member" {
				return true
			}
			k, ok := w.apiKey(api)
			if !ok {
				return true
			}
			switch api.name {
			case "Busy":
				busy[k] = true
			case "Harmless", "Idle":
				if !inLit {
					scoped[k] = true
				}
			}
			return true
		})
	}
	visit(w.body, false)
	return scoped, busy
}
