package analyzer

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// The kinds of blocking operation, for what each state reports.
const (
	opChan  = iota // channel operation, select without default, range over a channel
	opWait         // waits for another goroutine by design: sleep, Wait
	opMutex        // sync.Mutex and RWMutex locks
	opIO           // network, HTTP and process I/O
	opCall         // a call of a func that may block
)

// blockOp reports an operation that blocks where a member runs (checks 1
// and 2), or a sleep or wait inside a member's own isolated section.
func (w *walker) blockOp(n ast.Node, desc string, op int, e *env) {
	if !w.report {
		return
	}
	members := e.membersIn()
	for _, k := range members {
		if e.members[k] == stRunning {
			if op == opCall {
				w.reportf(n.Pos(), "%s, called while %s runs: wrap the call in a scope (sc := %s.Harmless(); …; sc.End())", desc, k, k)
			} else {
				w.reportf(n.Pos(), "%s blocks while %s runs: wrap it in a scope (sc := %s.Harmless(); …; sc.End()), or %s.Idle() if it waits for the next job", desc, k, k, k)
			}
			return
		}
	}
	if op != opWait {
		return
	}
	for _, k := range members {
		if e.members[k].isolated() {
			w.reportf(n.Pos(), "%s inside %s's isolated section: every other member waits meanwhile; do it before the isolation or after its release", desc, k)
			return
		}
	}
}

// api applies a call of the isolate API.
func (w *walker) api(c *ast.CallExpr, api apiCall, e *env) result {
	switch api.recv {
	case "Member":
		return w.memberCall(c, api, e)
	case "Isolator":
		return w.isolatorCall(c, api, e)
	}
	return result{}
}

// memberCall applies a call of a Member method: the scopes it opens and the
// state it leaves.
func (w *walker) memberCall(c *ast.CallExpr, api apiCall, e *env) result {
	k, keyed := w.apiKey(api)
	st := stUnknown
	if keyed {
		st = w.state(e, k)
	}
	name := types.ExprString(api.x)
	if st == stLeft && w.report {
		w.reportf(c.Pos(), "%s.%s after %s.Leave(): a Member is not used after Leave (it panics); join again for a new membership", name, api.name, name)
	}
	r := result{kind: api.opens(), prev: st}
	if keyed {
		r.m = k
	}
	next := st
	switch api.name {
	case "Harmless":
		switch st {
		case stRunning:
			next = stHarmless
		case stUnknown, stNone:
			next = stCovered
		}
	case "Idle":
		switch st {
		case stHarmless:
			if w.report {
				w.reportf(c.Pos(), "%s.Idle() inside a Harmless scope panics: end the Harmless scope first, or open the outer scope with Idle", name)
			}
			next = stUnknown
		case stRunning:
			next = stIdle
		case stUnknown, stNone:
			next = stCovered
		}
	case "Busy":
		if !st.isolated() {
			next = stRunning
		}
	case "Isolate", "IsolateContext", "TryIsolate", "IsolateScope":
		if st != stIsolatedFull {
			next = stIsolated
		}
	case "IsolateFull", "IsolateFullContext":
		if w.report && st == stHarmless {
			w.reportf(c.Pos(), "%s.%s() inside a Harmless scope panics (a harmless member may hold references): end the scope first, or make it an Idle scope", name, api.name)
		}
		if w.report && st == stIsolated {
			w.reportf(c.Pos(), "%s.%s() inside %s's plain isolated section panics (no upgrade): release it first, or isolate fully from the start", name, api.name, name)
		}
		next = stIsolatedFull
	case "Leave":
		next = stLeft
	case "Do":
		w.checkDo(c, e)
	}
	if w.unfollowed[c] {
		next = stUnknown // its end may come anywhere
	}
	if keyed && next != st {
		e.members[k] = next
	}
	return r
}

// isolatorCall applies a call of an Isolator method.
func (w *walker) isolatorCall(c *ast.CallExpr, api apiCall, e *env) result {
	ik, ikOK := w.apiKey(api)
	if isolatorWaits(api.name) || api.name == "TryIsolate" {
		w.isolatorWait(c, api, ik, ikOK, e)
	}
	switch {
	case api.name == "Do":
		w.checkDo(c, e)
	case api.opens() == opensMember:
		st := stRunning
		if strings.HasPrefix(api.name, "JoinIdle") {
			st = stIdle
		}
		return result{kind: opensMember, st: st}
	case api.opens() == opensIsolation:
		return result{kind: opensIsolation, prev: stUnknown}
	}
	return result{}
}

// sameFix is the fix for a request through the Isolator from one of its
// running members, which waits for the member itself (check 4).
var sameFix = map[string]string{
	"Isolate":            "use %[1]s.Isolate()",
	"IsolateContext":     "use %[1]s.IsolateContext(ctx)",
	"IsolateFull":        "use %[1]s.IsolateFull()",
	"IsolateFullContext": "use %[1]s.IsolateFullContext(ctx)",
	"Do":                 "use %[1]s.Do(f)",
	"Synchronize":        "synchronize from an Idle scope (sc := %[1]s.Idle(); iso.Synchronize(); sc.End())",
	"SynchronizeContext": "synchronize from an Idle scope (sc := %[1]s.Idle(); …; sc.End())",
	"Barrier":            "call it from an Idle scope (sc := %[1]s.Idle(); …; sc.End())",
	"Join":               "join from an Idle scope of %[1]s, or use JoinIdle",
	"JoinNamed":          "join from an Idle scope of %[1]s, or use JoinIdleNamed",
}

// isolatorWait reports a request through the Isolator where one of the
// Isolator's members runs, is harmless, or is isolated, and so waits for
// the member itself.
func (w *walker) isolatorWait(c *ast.CallExpr, api apiCall, ik mkey, ikOK bool, e *env) {
	if !w.report {
		return
	}
	desc := types.ExprString(c.Fun) + "()"
	for _, k := range e.membersIn() {
		st := e.members[k]
		iso, known := w.isoOf[k]
		same := known && ikOK && iso == ik
		fix := strings.ReplaceAll(sameFix[api.name], "%[1]s", k.String())
		switch {
		case st == stRunning && api.name == "TryIsolate":
			if same {
				w.reportf(c.Pos(), "%s never succeeds while its member %s runs: use %s.TryIsolate()", desc, k, k)
				return
			}
		case st == stRunning && same:
			w.reportf(c.Pos(), "%s from running member %s waits for %s itself: %s", desc, k, k, fix)
			return
		case st == stRunning:
			w.reportf(c.Pos(), "%s blocks while %s runs: if %s is a member of this Isolator, %s; otherwise wrap it in a scope (sc := %s.Harmless(); …; sc.End()), or %s.Idle() if it waits for the next job", desc, k, k, fix, k, k)
			return
		case st == stHarmless && same && (api.full() || strings.HasPrefix(api.name, "Synchronize") || api.name == "Barrier"):
			w.reportf(c.Pos(), "%s inside %s's Harmless scope waits for %s itself to be idle: use an Idle scope", desc, k, k)
			return
		case st.isolated() && same && api.name != "TryIsolate":
			w.reportf(c.Pos(), "%s inside %s's own isolated section waits for %s itself: call it after the release (or use %s's own method, which nests)", desc, k, k, k)
			return
		}
	}
}

// checkDo reports a func passed to Do that blocks: Do runs it isolated,
// while every member waits.
func (w *walker) checkDo(c *ast.CallExpr, e *env) {
	if !w.report || len(c.Args) != 1 {
		return
	}
	why := ""
	switch f := ast.Unparen(c.Args[0]).(type) {
	case *ast.FuncLit:
		why = w.litBlocks(f, checkMutex)
	case *ast.Ident, *ast.SelectorExpr:
		if fn, ok := typeutil.Callee(w.info, &ast.CallExpr{Fun: f}).(*types.Func); ok {
			if b := w.calleeBlocks(fn); b != "" {
				why = chain(w.funcName(fn), b)
			}
		}
	}
	if why != "" {
		w.reportf(c.Args[0].Pos(), "the func passed to %s must not block (%s): Do runs it isolated while every member waits; block before Do, and pass Do only the change", types.ExprString(c.Fun), why)
	}
}

// deferred applies a defer statement: what it evaluates now (the receiver,
// the arguments, a request whose release it defers), not the call.
func (w *walker) deferred(call *ast.CallExpr, e *env) {
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.CallExpr: // defer m.Isolate()(): the request is made now
		w.call(f, e)
	case *ast.SelectorExpr:
		api, isAPI := asAPI(w.info, call)
		_, keyed := w.keyOf(f.X)
		switch {
		case isAPI && api.recv == "Scope":
			if _, isCall := ast.Unparen(f.X).(*ast.CallExpr); isCall {
				w.expr(f.X, e) // defer m.Harmless().End(): opens now
			}
		case isAPI && keyed: // defer m.Leave()
		default:
			w.expr(f.X, e)
		}
	}
	for _, a := range call.Args {
		if _, isIdent := ast.Unparen(a).(*ast.Ident); !isIdent {
			w.expr(a, e)
		}
	}
}

// goStmt applies a go statement: its arguments are evaluated now; the
// goroutine is another's, whose blocking holds none of this func's
// members. A member captured and used there is reported: a Member belongs
// to the goroutine that joined.
func (w *walker) goStmt(g *ast.GoStmt, e *env) {
	w.args(g.Call, e)
	lit, ok := ast.Unparen(g.Call.Fun).(*ast.FuncLit)
	if !ok {
		return
	}
	w.escapeIn(lit.Body, e)
	if !w.report {
		return
	}
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		api, ok := asAPI(w.info, call)
		if !ok || api.recv != "Member" {
			return true
		}
		k, keyed := w.apiKey(api)
		if keyed && w.isLocalOrParam(k.obj) && (k.obj.Pos() < lit.Pos() || k.obj.Pos() >= lit.End()) {
			w.reportf(call.Pos(), "%s is used in a goroutine it did not join in: a Member belongs to the goroutine that joined; Join in the new goroutine", k)
			return false
		}
		return true
	})
}

// isLocalOrParam reports whether obj is declared in the func checked, its
// parameters included.
func (w *walker) isLocalOrParam(obj types.Object) bool {
	return obj != nil && obj.Pos() >= w.fn.Pos() && obj.Pos() < w.fn.End()
}
