package analyzer

import (
	"go/ast"
	"go/types"
	"maps"
	"sort"

	"golang.org/x/tools/go/cfg"
	"golang.org/x/tools/go/types/typeutil"
)

// The states a member can be in at a point of a function, as far as the
// analyzer knows. A state known on one path and another on a second path
// merges to stUnknown, which reports nothing.
//
//	state         entered by                                 reports there
//	stNone        a local before its Join                   nothing
//	stRunning     Join, Busy, a Member parameter on entry,   blocking (1, 2), requests
//	              the end of a scope opened while running    through the Isolator (4)
//	stHarmless    Harmless while running                     Idle, IsolateFull, grace
//	                                                         periods of its Isolator (6)
//	stIdle        Idle, JoinIdle                             nothing
//	stCovered     a scope opened in an unknown state         nothing
//	stIsolated    Isolate, IsolateScope, TryIsolate on       sleeps and waits, requests
//	              success                                    to its own Isolator (6)
//	stIsolatedFull IsolateFull                               the same
//	stLeft        Leave                                      any use (6)
//	stUnknown     merge of differing states, a member held   nothing
//	              in a field on entry, a scope passed away or
//	              kept out of sight (unfollowedOpens)
type mstate uint8

const (
	stNone mstate = iota
	stRunning
	stHarmless
	stIdle
	stCovered
	stIsolated
	stIsolatedFull
	stLeft
	stUnknown
)

func (s mstate) isolated() bool { return s == stIsolated || s == stIsolatedFull }

// A mkey names a member (or an Isolator) by the variable that holds it and
// the fields down to it: m, w.m, s.w.m.
type mkey struct {
	obj  types.Object
	path string
}

func (k mkey) String() string { return k.obj.Name() + k.path }

// The status of a scope or release variable.
type scStatus uint8

const (
	scNone    scStatus = iota // not assigned on this path
	scOpen                    // holds a scope or isolation not ended yet
	scEnded                   // ended on every path here
	scUnknown                 // differs between paths, or passed away
)

// A scopeRec is what a scope or release variable holds: which member's
// scope (zero for an outsider's isolation) and the state the member goes
// back to at its end.
type scopeRec struct {
	m      mkey
	prev   mstate
	status scStatus
}

// env is the state at a program point.
type env struct {
	members map[mkey]mstate
	scopes  map[types.Object]scopeRec
}

func (e *env) clone() *env {
	return &env{members: maps.Clone(e.members), scopes: maps.Clone(e.scopes)}
}

// membersIn lists the members of e in a fixed order, for reports that do
// not change from run to run.
func (e *env) membersIn() []mkey {
	ks := make([]mkey, 0, len(e.members))
	for k := range e.members {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool {
		if ks[i].obj.Pos() != ks[j].obj.Pos() {
			return ks[i].obj.Pos() < ks[j].obj.Pos()
		}
		return ks[i].path < ks[j].path
	})
	return ks
}

// merge joins b into a and reports whether a changed.
func (w *walker) merge(a, b *env) bool {
	changed := false
	for k, sb := range b.members {
		sa, ok := a.members[k]
		if !ok {
			sa = w.defaultState(k)
		}
		if m := mergeState(sa, sb); m != sa || !ok {
			a.members[k] = m
			changed = true
		}
	}
	for k, sa := range a.members {
		if _, ok := b.members[k]; !ok {
			if m := mergeState(sa, w.defaultState(k)); m != sa {
				a.members[k] = m
				changed = true
			}
		}
	}
	for o, rb := range b.scopes {
		ra, ok := a.scopes[o]
		if m := mergeScope(ra, rb); m != ra || !ok {
			a.scopes[o] = m
			changed = true
		}
	}
	for o, ra := range a.scopes {
		if _, ok := b.scopes[o]; !ok {
			if m := mergeScope(ra, scopeRec{}); m != ra {
				a.scopes[o] = m
				changed = true
			}
		}
	}
	return changed
}

func mergeState(a, b mstate) mstate {
	switch {
	case a == b:
		return a
	case (a == stNone || a == stLeft) && (b == stNone || b == stLeft):
		return stNone
	case (a == stIdle || a == stCovered) && (b == stIdle || b == stCovered):
		return stCovered
	}
	return stUnknown
}

func mergeScope(a, b scopeRec) scopeRec {
	if a == b {
		return a
	}
	r := scopeRec{status: scUnknown, prev: stUnknown}
	if a.m == b.m {
		r.m = a.m
	} else if a.status == scNone || a.status == scEnded {
		r.m = b.m
	} else if b.status == scNone || b.status == scEnded {
		r.m = a.m
	}
	if a.prev == b.prev {
		r.prev = a.prev
	}
	return r
}

// defaultState is the state of a member the env does not hold: none for a
// local variable not joined yet, unknown for anything else (a field, a
// captured variable, a global).
func (w *walker) defaultState(k mkey) mstate {
	if k.path == "" && w.isLocal(k.obj) {
		return stNone
	}
	return stUnknown
}

func (w *walker) state(e *env, k mkey) mstate {
	if s, ok := e.members[k]; ok {
		return s
	}
	return w.defaultState(k)
}

// isLocal reports whether obj is declared in the body of the func checked.
func (w *walker) isLocal(obj types.Object) bool {
	return obj != nil && obj.Pos() >= w.body.Pos() && obj.Pos() < w.body.End()
}

// solve computes the state at the entry of each live block, to a fixed
// point, then walks each block once more with reports on.
func (w *walker) solve(g *cfg.CFG, entry *env) {
	if len(g.Blocks) == 0 {
		return
	}
	in := map[*cfg.Block]*env{g.Blocks[0]: entry}
	work := []*cfg.Block{g.Blocks[0]}
	queued := map[*cfg.Block]bool{g.Blocks[0]: true}
	for steps := 0; len(work) > 0 && steps < 100000; steps++ {
		b := work[0]
		work = work[1:]
		queued[b] = false
		end := w.transfer(b, in[b].clone())
		for i, succ := range b.Succs {
			out := w.flowEdge(b, i, end)
			if cur, ok := in[succ]; !ok {
				in[succ] = out.clone()
			} else if !w.merge(cur, out) {
				continue
			}
			if !queued[succ] {
				queued[succ] = true
				work = append(work, succ)
			}
		}
	}
	w.report = true
	for _, b := range g.Blocks {
		if e := in[b]; e != nil {
			w.transfer(b, e.clone())
		}
	}
}

// transfer applies the block's nodes to e.
func (w *walker) transfer(b *cfg.Block, e *env) *env {
	if b.Kind == cfg.KindRangeLoop {
		if r, ok := b.Stmt.(*ast.RangeStmt); ok && isChan(w.info, r.X) {
			w.blockOp(r, "range over "+types.ExprString(r.X), opChan, e)
		}
	}
	for _, n := range b.Nodes {
		w.node(n, e)
	}
	return e
}

// flowEdge refines the state at the end of b for its i'th successor: on
// the edge where a TryIsolate reported false, or an IsolateContext
// returned an error, the isolation did not happen.
func (w *walker) flowEdge(b *cfg.Block, i int, e *env) *env {
	if len(b.Succs) != 2 || len(b.Nodes) == 0 {
		return e
	}
	cond, ok := b.Nodes[len(b.Nodes)-1].(ast.Expr)
	if !ok {
		return e
	}
	obj, fail := w.failBranch(cond)
	if obj == nil || fail != i {
		return e
	}
	e = e.clone()
	if rec, ok := e.scopes[obj]; ok && rec.status == scOpen {
		if rec.m.obj != nil {
			e.members[rec.m] = rec.prev
		}
		e.scopes[obj] = scopeRec{}
	}
	return e
}

// failBranch returns the release variable that cond tests the success of
// (through the ok or err of its TryIsolate or ...Context call), and the
// branch (0 then, 1 else) on which the call failed.
func (w *walker) failBranch(cond ast.Expr) (types.Object, int) {
	neg := false
	for {
		u, ok := ast.Unparen(cond).(*ast.UnaryExpr)
		if !ok || u.Op.String() != "!" {
			break
		}
		neg = !neg
		cond = u.X
	}
	cond = ast.Unparen(cond)
	var id *ast.Ident
	fail := 1 // the branch taken when cond is false
	isBin := false
	switch c := cond.(type) {
	case *ast.Ident:
		id = c
	case *ast.CallExpr:
		// errors.Is(err, target), errors.As(err, &target): true only
		// when the request failed.
		fn, ok := typeutil.Callee(w.info, c).(*types.Func)
		if !ok || fn.Pkg() == nil || fn.Pkg().Path() != "errors" || len(c.Args) == 0 {
			return nil, 0
		}
		id, _ = ast.Unparen(c.Args[0]).(*ast.Ident)
		fail, isBin = 0, true
	case *ast.BinaryExpr:
		x, y := ast.Unparen(c.X), ast.Unparen(c.Y)
		if isNil(w.info, x) {
			x, y = y, x
		}
		if !isNil(w.info, y) {
			return nil, 0
		}
		id, _ = x.(*ast.Ident)
		isBin = true
		switch c.Op.String() {
		case "!=":
			fail = 0 // err != nil: the then branch failed
		case "==":
			fail = 1
		default:
			return nil, 0
		}
	}
	if id == nil {
		return nil, 0
	}
	cv, ok := w.condVars[w.info.Uses[id]]
	if !ok {
		return nil, 0
	}
	if isBin != cv.isErr {
		return nil, 0
	}
	if neg {
		fail = 1 - fail
	}
	return cv.release, fail
}

func isNil(info *types.Info, e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	if !ok {
		return false
	}
	_, isNil := info.Uses[id].(*types.Nil)
	return isNil
}
