package analyzer

import (
	"go/ast"
	"go/types"

	"golang.org/x/tools/go/types/typeutil"
)

// localFuncs finds the variables of body that hold one func literal, and
// are never assigned anything else nor have their address taken:
//
//	flush := func() { out <- batch }
//
// A call of such a variable runs that literal, here, on this goroutine.
func localFuncs(info *types.Info, body ast.Node) map[types.Object]*ast.FuncLit {
	lits := map[types.Object]*ast.FuncLit{}
	count := map[types.Object]int{}
	assignments(info, body, func(obj types.Object, rhs ast.Expr) {
		count[obj]++
		if lit, ok := rhs.(*ast.FuncLit); ok {
			lits[obj] = lit
		}
	}, func(obj types.Object) {
		count[obj] += 2
	})
	for obj := range lits {
		if count[obj] != 1 {
			delete(lits, obj)
		}
	}
	return lits
}

// litBlocks returns why a func literal may block when called ("send on out
// at x.go:12", or through a callee's fact), or "". withMutex counts mutex
// locks.
func (c *checker) litBlocks(lit *ast.FuncLit, withMutex bool) string {
	var calls []*ast.CallExpr
	why := c.firstBlockingOp(lit.Body, withMutex, func(call *ast.CallExpr) { calls = append(calls, call) })
	for _, call := range calls {
		if why != "" {
			break
		}
		if callee := typeutil.StaticCallee(c.pass.TypesInfo, call); callee != nil {
			if b := c.calleeBlocks(callee); b != "" {
				why = chain(c.funcName(callee), b)
			}
		}
	}
	return why
}

// localCall reports the call of a local func literal (localFuncs) that may
// block, where a member runs. A literal that handles a member or a scope
// opens its own scopes: it is checked inside, as a func of its own.
func (w *walker) localCall(c *ast.CallExpr, id *ast.Ident, e *env) {
	lit := w.locals[w.info.Uses[id]]
	if lit == nil || w.handlesMembers(lit) {
		return
	}
	if why := w.litBlocks(lit, checkMutex); why != "" {
		w.blockOp(c, id.Name+" may block ("+why+")", opCall, e)
	}
}
