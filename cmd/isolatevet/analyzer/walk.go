package analyzer

import (
	"go/ast"
	"go/token"
	"go/types"

	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"
)

// A walker follows the members of one func (a declaration or a literal)
// through its control-flow graph.
type walker struct {
	*checker
	info     *types.Info
	fn       ast.Node
	body     *ast.BlockStmt
	report   bool                          // false while solving, true on the last walk
	tracked  map[types.Object]bool         // variables that hold a scope or a release func
	condVars map[types.Object]condVar      // the ok or err of a TryIsolate or ...Context
	isoOf    map[mkey]mkey                 // member → the Isolator it joined, where one
	comm     map[ast.Node]*ast.SelectStmt  // the operation of each comm clause → its select
	wrappers map[types.Object]bool         // readers and writers over a connection
	tokens   map[ast.Node]bool             // channel operations that give a token back
	locals   map[types.Object]*ast.FuncLit // variables that hold one func literal
	leaves   map[mkey]bool                 // members the func calls Leave on, once needed
	// unfollowed holds the calls that open a scope or an isolation whose
	// end the walker cannot follow (unfollowedOpens).
	unfollowed map[*ast.CallExpr]bool
}

// A condVar is the ok (isErr false) or err result of an isolation request
// whose release func is in release.
type condVar struct {
	release types.Object
	isErr   bool
}

// A result is what an expression yields that the walker follows: a scope or
// release func (with its member and the state it restores), or a member.
type result struct {
	kind int // opensScope, opensIsolation, opensMember or opensNothing
	m    mkey
	prev mstate
	st   mstate // for a member: its state after the Join
}

// checkFunc checks one func: its lost ends and leaves, and its members'
// states.
func (c *checker) checkFunc(fn ast.Node, typ *ast.FuncType, body *ast.BlockStmt, g *cfg.CFG) {
	if g == nil {
		return
	}
	w := &walker{
		checker:  c,
		info:     c.pass.TypesInfo,
		fn:       fn,
		body:     body,
		tracked:  map[types.Object]bool{},
		condVars: map[types.Object]condVar{},
		isoOf:    map[mkey]mkey{},
		comm:     map[ast.Node]*ast.SelectStmt{},
		wrappers: netWrappers(c.pass.TypesInfo, body),
		tokens:   tokenReturns(c.pass.TypesInfo, body),
		locals:   localFuncs(c.pass.TypesInfo, body),
	}
	w.prepare()
	w.unfollowed = w.unfollowedOpens()
	c.checkDropped(body)
	if !c.isMainMain(fn) {
		w.checkLost(g)
	}
	w.checkTwice(g)
	entry := w.entryState(typ)
	w.solve(g, entry)
}

// prepare finds, flow-insensitively, the variables that hold scopes and
// release funcs, the ok and err results that tell whether a request
// succeeded, the Isolator each member joined, and the select of each comm
// operation.
func (w *walker) prepare() {
	conflict := map[mkey]bool{}
	ast.Inspect(w.body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.SelectStmt:
			for _, cl := range n.Body.List {
				switch s := cl.(*ast.CommClause).Comm.(type) {
				case *ast.SendStmt:
					w.comm[s] = n
				case *ast.ExprStmt:
					w.comm[ast.Unparen(s.X)] = n
				case *ast.AssignStmt:
					w.comm[ast.Unparen(s.Rhs[0])] = n
				}
			}
		case *ast.AssignStmt:
			if len(n.Rhs) == 1 {
				w.prepareAssign(n.Lhs, n.Rhs[0], conflict)
			}
		case *ast.ValueSpec:
			if len(n.Values) == 1 {
				lhs := make([]ast.Expr, len(n.Names))
				for i, id := range n.Names {
					lhs[i] = id
				}
				w.prepareAssign(lhs, n.Values[0], conflict)
			}
		}
		return true
	})
	for k := range conflict {
		delete(w.isoOf, k)
	}
}

func (w *walker) prepareAssign(lhs []ast.Expr, rhs ast.Expr, conflict map[mkey]bool) {
	if x, ok := w.endValue(rhs); ok {
		rhs = x // end := m.Harmless().End: end holds the scope
	}
	call, ok := ast.Unparen(rhs).(*ast.CallExpr)
	if !ok {
		return
	}
	api, ok := asAPI(w.info, call)
	if !ok {
		return
	}
	switch api.opens() {
	case opensScope, opensIsolation:
		id, ok := lhs[0].(*ast.Ident)
		if !ok {
			return
		}
		obj := w.objOf(id)
		if obj == nil {
			return
		}
		w.tracked[obj] = true
		if len(lhs) == 2 && (api.name == "TryIsolate" || len(api.name) > 7 && api.name[len(api.name)-7:] == "Context") {
			if id2, ok := lhs[1].(*ast.Ident); ok && w.objOf(id2) != nil {
				w.condVars[w.objOf(id2)] = condVar{release: obj, isErr: api.name != "TryIsolate"}
			}
		}
	case opensMember:
		k, ok := w.keyOf(lhs[0])
		ik, ok2 := w.apiKey(api)
		if !ok {
			return
		}
		if old, had := w.isoOf[k]; !ok2 || had && old != ik {
			conflict[k] = true
		}
		if ok2 {
			w.isoOf[k] = ik
		}
	}
}

func (w *walker) objOf(id *ast.Ident) types.Object {
	if id.Name == "_" {
		return nil
	}
	if o := w.info.Defs[id]; o != nil {
		return o
	}
	return w.info.Uses[id]
}

// keyOf names the variable, and the fields down from it, that e reads.
func (w *walker) keyOf(e ast.Expr) (mkey, bool) {
	switch e := ast.Unparen(e).(type) {
	case *ast.Ident:
		if v, ok := w.objOf(e).(*types.Var); ok {
			return mkey{obj: v}, true
		}
	case *ast.StarExpr:
		return w.keyOf(e.X)
	case *ast.UnaryExpr:
		if e.Op == token.AND {
			return w.keyOf(e.X)
		}
	case *ast.SelectorExpr:
		if sel := w.info.Selections[e]; sel != nil && sel.Kind() == types.FieldVal {
			if k, ok := w.keyOf(e.X); ok {
				return mkey{obj: k.obj, path: k.path + "." + e.Sel.Name}, true
			}
		}
	}
	return mkey{}, false
}

// node applies one CFG node (a statement, or a condition) to e.
func (w *walker) node(n ast.Node, e *env) {
	switch n := n.(type) {
	case *ast.AssignStmt:
		if len(n.Rhs) == 1 {
			r := w.expr(n.Rhs[0], e)
			w.bind(n.Lhs, r, e)
			if len(n.Lhs) == 1 {
				w.bindFields(n.Lhs[0], n.Rhs[0], e)
			}
			return
		}
		for _, x := range n.Rhs {
			w.expr(x, e)
		}
		w.bind(n.Lhs, result{}, e)
	case *ast.ValueSpec:
		lhs := make([]ast.Expr, len(n.Names))
		for i, id := range n.Names {
			lhs[i] = id
		}
		if len(n.Values) == 1 {
			w.bind(lhs, w.expr(n.Values[0], e), e)
			if len(lhs) == 1 {
				w.bindFields(lhs[0], n.Values[0], e)
			}
			return
		}
		for _, x := range n.Values {
			w.expr(x, e)
		}
		w.bind(lhs, result{}, e)
	case *ast.ExprStmt:
		w.expr(n.X, e)
	case *ast.SendStmt:
		w.expr(n.Chan, e)
		w.expr(n.Value, e)
		w.chanOp(n, "send on "+types.ExprString(n.Chan), e)
	case *ast.IncDecStmt:
		w.expr(n.X, e)
	case *ast.ReturnStmt:
		for _, x := range n.Results {
			w.expr(x, e)
		}
	case *ast.DeferStmt:
		w.deferred(n.Call, e)
	case *ast.GoStmt:
		w.goStmt(n, e)
	case ast.Expr:
		w.expr(n, e)
	}
}

// bind records what an assignment stores: a scope or release func in a
// variable, a member in a variable or field. Anything else stored in a
// member or scope variable makes it unknown.
func (w *walker) bind(lhs []ast.Expr, r result, e *env) {
	for i, l := range lhs {
		if id, ok := l.(*ast.Ident); ok && w.tracked[w.objOf(id)] {
			if i == 0 && (r.kind == opensScope || r.kind == opensIsolation) {
				e.scopes[w.objOf(id)] = scopeRec{m: r.m, prev: r.prev, status: scOpen}
			} else {
				e.scopes[w.objOf(id)] = scopeRec{status: scUnknown, prev: stUnknown}
			}
			continue
		}
		k, ok := w.keyOf(l)
		if !ok || !isMember(w.info.TypeOf(l)) {
			continue
		}
		if i == 0 && r.kind == opensMember {
			e.members[k] = r.st
		} else {
			e.members[k] = stUnknown
		}
	}
}

// expr evaluates e in order and returns what it yields.
func (w *walker) expr(x ast.Expr, e *env) result {
	switch x := ast.Unparen(x).(type) {
	case *ast.CallExpr:
		return w.call(x, e)
	case *ast.UnaryExpr:
		w.expr(x.X, e)
		if x.Op == token.ARROW {
			w.chanOp(x, types.ExprString(x), e)
		}
		return result{}
	case *ast.FuncLit:
		w.escapeIn(x.Body, e)
		return result{}
	case *ast.SelectorExpr:
		if call, ok := w.endValue(x); ok {
			return w.expr(call, e) // the scope opens now; the value ends it
		}
	case *ast.Ident:
		w.escape(w.info.Uses[x], e)
		return result{}
	case nil:
		return result{}
	}
	ast.Inspect(x, func(n ast.Node) bool {
		if n == x {
			return true
		}
		if sub, ok := n.(ast.Expr); ok {
			w.expr(sub, e)
			return false
		}
		return true
	})
	return result{}
}

// escape marks a scope or release variable that leaves the walker's sight
// (passed to a func, stored, captured): its member's state is unknown from
// here, for the func it went to may end it.
func (w *walker) escape(obj types.Object, e *env) {
	if obj == nil || !w.tracked[obj] {
		return
	}
	rec := e.scopes[obj]
	if rec.m.obj != nil && (rec.status == scOpen || rec.status == scUnknown) {
		e.members[rec.m] = stUnknown
	}
	e.scopes[obj] = scopeRec{m: rec.m, prev: stUnknown, status: scUnknown}
}

// escapeIn escapes the tracked variables that a func literal captures.
func (w *walker) escapeIn(body ast.Node, e *env) {
	ast.Inspect(body, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok {
			w.escape(w.info.Uses[id], e)
		}
		return true
	})
}

// end applies the end of the scope or release func in obj.
func (w *walker) end(obj types.Object, at ast.Node, e *env) {
	rec, ok := e.scopes[obj]
	if !ok {
		return
	}
	switch rec.status {
	case scOpen:
		if rec.m.obj != nil {
			e.members[rec.m] = rec.prev
		}
	case scEnded:
		if w.report {
			w.reportf(at.Pos(), "%s is ended a second time here: an end or release func panics when called twice; end it once", types.ExprString(at.(*ast.CallExpr).Fun))
		}
	case scUnknown:
		if rec.m.obj != nil {
			e.members[rec.m] = stUnknown
		}
	}
	e.scopes[obj] = scopeRec{m: rec.m, prev: rec.prev, status: scEnded}
}

// endResult ends a scope or isolation that was opened and ended in one
// expression (m.Harmless().End(), m.Isolate()()).
func (w *walker) endResult(r result, e *env) {
	if (r.kind == opensScope || r.kind == opensIsolation) && r.m.obj != nil {
		e.members[r.m] = r.prev
	}
}

// call evaluates a call: its func and arguments in order, then its effect.
func (w *walker) call(c *ast.CallExpr, e *env) result {
	fun := ast.Unparen(c.Fun)
	switch f := fun.(type) {
	case *ast.Ident:
		if obj := w.info.Uses[f]; w.tracked[obj] {
			w.args(c, e)
			w.end(obj, c, e)
			return result{}
		}
		if w.locals[w.info.Uses[f]] != nil {
			w.args(c, e)
			w.localCall(c, f, e)
			return result{}
		}
	case *ast.CallExpr:
		r := w.call(f, e)
		w.args(c, e)
		w.endResult(r, e)
		return result{}
	case *ast.FuncLit:
		w.args(c, e)
		return result{}
	}
	api, isAPI := asAPI(w.info, c)
	if isAPI && api.recv == "Scope" && api.name == "End" {
		x := ast.Unparen(api.x)
		if id, ok := x.(*ast.Ident); ok && w.tracked[w.info.Uses[id]] {
			w.end(w.info.Uses[id], c, e)
		} else {
			w.endResult(w.expr(x, e), e)
		}
		return result{}
	}
	if sel, ok := fun.(*ast.SelectorExpr); ok {
		if _, keyed := w.keyOf(sel.X); !isAPI || !keyed {
			w.expr(sel.X, e)
		}
	}
	w.args(c, e)
	if isAPI {
		return w.api(c, api, e)
	}
	w.harmlessCall(c, e)
	w.blockingCall(c, e)
	return result{}
}

func (w *walker) args(c *ast.CallExpr, e *env) {
	for _, a := range c.Args {
		w.expr(a, e)
	}
}

// blockingCall reports a call that blocks, or that calls what may block,
// where a member runs.
func (w *walker) blockingCall(c *ast.CallExpr, e *env) {
	if k, desc := blockingCall(w.info, c, w.wrappers); k != notBlocking {
		op := opWait
		switch k {
		case blocksMutex:
			if !checkMutex {
				return
			}
			op = opMutex
		case blocksIO:
			op = opIO
		}
		w.blockOp(c, desc, op, e)
		return
	}
	if callee := typeutil.StaticCallee(w.info, c); callee != nil {
		if why := w.calleeBlocks(callee); why != "" {
			w.blockOp(c, w.funcName(callee)+" may block ("+why+")", opCall, e)
		}
	}
}

// chanOp reports a channel operation outside a select, or a select without
// default at its first operation.
func (w *walker) chanOp(n ast.Node, desc string, e *env) {
	if w.tokens[n] {
		return
	}
	if s, ok := w.comm[n]; ok {
		first := s.Body.List[0].(*ast.CommClause).Comm
		if hasDefault(s) || !commIs(first, n) {
			return
		}
		w.blockOp(s, "select without default", opChan, e)
		return
	}
	w.blockOp(n, desc, opChan, e)
}

// commIs reports whether the comm statement s has n as its operation.
func commIs(s ast.Stmt, n ast.Node) bool {
	switch s := s.(type) {
	case *ast.SendStmt:
		return s == n
	case *ast.ExprStmt:
		return ast.Unparen(s.X) == n
	case *ast.AssignStmt:
		return ast.Unparen(s.Rhs[0]) == n
	}
	return false
}
