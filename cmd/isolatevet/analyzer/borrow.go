package analyzer

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"
)

// A member passed to a func is that func's to leave, as far as check 5
// knows, unless the func only borrows it: it uses its Member parameter as
// the receiver of Member methods other than Leave (Harmless, Isolate, …),
// or passes it on to funcs that borrow it, and does nothing else with it
// (no Leave, no store, no return, no capture by a func literal). Then the
// caller still owns the membership, and a path that returns without
// leaving it is reported:
//
//	m := iso.Join()
//	u, err := load(m, id) // load borrows m
//	if err != nil {
//		return err // m never leaves
//	}
//
// Only funcs of the package checked are looked into; a func of another
// package, an interface method or a func value may keep the member.

// borrowedArgs returns the identifiers of v, in body, that are arguments of
// calls that only borrow them.
func (w *walker) borrowedArgs(v *types.Var) map[*ast.Ident]bool {
	out := map[*ast.Ident]bool{}
	ast.Inspect(w.body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		for i, a := range call.Args {
			if id, ok := ast.Unparen(a).(*ast.Ident); ok && w.info.Uses[id] == v && w.borrows(call, i, map[*types.Var]bool{}) {
				out[id] = true
			}
		}
		return true
	})
	return out
}

// borrows reports whether the i'th argument of call is a Member that the
// callee, a func of this package, only borrows. visiting holds the
// parameters being decided, which count as kept (no report) on a cycle.
func (c *checker) borrows(call *ast.CallExpr, i int, visiting map[*types.Var]bool) bool {
	fn := typeutil.StaticCallee(c.pass.TypesInfo, call)
	if fn == nil || fn.Pkg() != c.pass.Pkg {
		return false
	}
	sig := fn.Signature()
	if sig.Variadic() && i >= sig.Params().Len()-1 || i >= sig.Params().Len() {
		return false
	}
	p := sig.Params().At(i)
	if !isMember(p.Type()) || visiting[p] {
		return false
	}
	decl := c.declOf(fn)
	if decl == nil || decl.Body == nil {
		return false
	}
	visiting[p] = true
	defer delete(visiting, p)
	info := c.pass.TypesInfo
	receiver := map[*ast.Ident]bool{} // p as the receiver of a method other than Leave
	passed := map[*ast.Ident]bool{}   // p as an argument to a func that borrows it
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if _, ok := n.(*ast.FuncLit); ok {
			return true // a use inside counts against it below
		}
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if api, ok := asAPI(info, call); ok && api.recv == "Member" && api.name != "Leave" {
			if id, ok := ast.Unparen(api.x).(*ast.Ident); ok && info.Uses[id] == p {
				receiver[id] = true
			}
		}
		for j, a := range call.Args {
			if id, ok := ast.Unparen(a).(*ast.Ident); ok && info.Uses[id] == p && c.borrows(call, j, visiting) {
				passed[id] = true
			}
		}
		return true
	})
	only := true
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if lit, ok := n.(*ast.FuncLit); ok {
			ast.Inspect(lit, func(x ast.Node) bool {
				if id, ok := x.(*ast.Ident); ok && info.Uses[id] == p {
					only = false
				}
				return only
			})
			return false
		}
		if id, ok := n.(*ast.Ident); ok && info.Uses[id] == p && !receiver[id] && !passed[id] {
			only = false
		}
		return only
	})
	return only
}

// declOf finds the declaration of a func of the package checked.
func (c *checker) declOf(fn *types.Func) *ast.FuncDecl {
	if c.decls == nil {
		c.decls = map[*types.Func]*ast.FuncDecl{}
		for _, f := range c.pass.Files {
			for _, d := range f.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok {
					if obj, ok := c.pass.TypesInfo.Defs[fd.Name].(*types.Func); ok {
						c.decls[obj] = fd
					}
				}
			}
		}
	}
	return c.decls[fn.Origin()]
}
