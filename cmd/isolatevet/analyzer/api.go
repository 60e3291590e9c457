package analyzer

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// isolatePath is the import path whose Member, Isolator and Scope the
// analyzer knows. It is matched by path and name, not imported, so that the
// analyzer builds without the library and checks any version of it that
// keeps these names.
const isolatePath = "github.com/isolatekit/isolate"

// An apiCall is a call of a method of isolate's Member, Isolator or Scope.
type apiCall struct {
	recv   string   // "Member", "Isolator" or "Scope"
	name   string   // the method's name
	x      ast.Expr // the receiver expression
	embed  string   // the embedded fields from x to the receiver: ".Member"
	result *types.Func
}

// isolateType reports the name of isolate's named type that t is (through
// one pointer), or "".
func isolateType(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != isolatePath {
		return ""
	}
	return n.Obj().Name()
}

// isMember and isScope report whether t is isolate.Member or isolate.Scope.
func isMember(t types.Type) bool { return t != nil && isolateType(t) == "Member" }
func isScope(t types.Type) bool  { return t != nil && isolateType(t) == "Scope" }

// asAPI recognizes a method call of isolate's API.
func asAPI(info *types.Info, call *ast.CallExpr) (apiCall, bool) {
	sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !ok {
		return apiCall{}, false
	}
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil || fn.Pkg().Path() != isolatePath {
		return apiCall{}, false
	}
	recv := fn.Signature().Recv()
	if recv == nil {
		return apiCall{}, false
	}
	return apiCall{recv: isolateType(recv.Type()), name: fn.Name(), x: sel.X, embed: embedPath(info, sel), result: fn}, true
}

// embedPath names the embedded fields a promoted method's selector goes
// through (c.Harmless() with c a struct that embeds isolate.Member:
// ".Member"), or "".
func embedPath(info *types.Info, sel *ast.SelectorExpr) string {
	s := info.Selections[sel]
	if s == nil || len(s.Index()) < 2 {
		return ""
	}
	path := ""
	t := info.TypeOf(sel.X)
	for _, i := range s.Index()[:len(s.Index())-1] {
		if p, ok := t.Underlying().(*types.Pointer); ok {
			t = p.Elem()
		}
		st, ok := t.Underlying().(*types.Struct)
		if !ok || i >= st.NumFields() {
			return ""
		}
		f := st.Field(i)
		path += "." + f.Name()
		t = f.Type()
	}
	return path
}

// apiKey names the member or Isolator an API call is made on: the key of
// its receiver expression, through embedded fields.
func (w *walker) apiKey(api apiCall) (mkey, bool) {
	k, ok := w.keyOf(api.x)
	if ok {
		k.path += api.embed
	}
	return k, ok
}

// What a call of the API opens: a scope, an isolation, a membership.
const (
	opensNothing = iota
	opensScope
	opensIsolation
	opensMember
)

// opens classifies an API call by what its first result holds. IsolateScope
// opens an isolation, though it returns a Scope (endsByScope): its End is
// a release, and Leave does not end it.
func (c apiCall) opens() int {
	switch c.recv {
	case "Member":
		switch c.name {
		case "Harmless", "Idle", "Busy":
			return opensScope
		case "Isolate", "IsolateFull", "IsolateContext", "IsolateFullContext", "TryIsolate", "IsolateScope":
			return opensIsolation
		}
	case "Isolator":
		switch c.name {
		case "Isolate", "IsolateFull", "IsolateContext", "IsolateFullContext", "TryIsolate":
			return opensIsolation
		case "Join", "JoinNamed", "JoinIdle", "JoinIdleNamed":
			return opensMember
		}
	}
	return opensNothing
}

// endsByScope reports whether the call returns what it opens as a Scope,
// ended by its End (Harmless, Idle, Busy, and IsolateScope, an isolation),
// rather than as a release func.
func (c apiCall) endsByScope() bool {
	res := c.result.Signature().Results()
	return res.Len() > 0 && isScope(res.At(0).Type())
}

// full reports whether an isolation call asks for a full isolation.
func (c apiCall) full() bool { return strings.HasPrefix(c.name, "IsolateFull") }

// isolatorWaits reports whether the Isolator method waits for the
// Isolator's members: the requests an outsider makes.
func isolatorWaits(name string) bool {
	switch name {
	case "Isolate", "IsolateFull", "IsolateContext", "IsolateFullContext",
		"Synchronize", "SynchronizeContext", "Barrier", "Do", "Join", "JoinNamed":
		return true
	}
	return false
}

// blockKind says how sure a blocking call is to wait for others.
type blockKind uint8

const (
	notBlocking blockKind = iota
	blocksMutex           // sync.Mutex, RWMutex: waits only while another holds it
	blocksWait            // waits for another goroutine by design: sleep, Wait
	blocksIO              // network and process I/O
)

// blockingCall classifies a call of the standard library (and x/sync) that
// may block, and describes it. wrappers holds the variables of the func
// that wrap a network connection (netWrappers).
func blockingCall(info *types.Info, call *ast.CallExpr, wrappers map[types.Object]bool) (blockKind, string) {
	fn, ok := typeutil.Callee(info, call).(*types.Func)
	if !ok || fn.Pkg() == nil {
		return notBlocking, ""
	}
	name := fn.Name()
	recv := ""
	if r := fn.Signature().Recv(); r != nil {
		t := r.Type()
		if p, ok := t.(*types.Pointer); ok {
			t = p.Elem()
		}
		if n, ok := t.(*types.Named); ok {
			recv = n.Obj().Name()
		}
	}
	desc := types.ExprString(call.Fun)
	if d := netIOCall(info, call, fn, wrappers); d != "" {
		return blocksIO, d
	}
	switch fn.Pkg().Path() {
	case "crypto/tls":
		if recv == "Conn" && (name == "Read" || name == "Write" || strings.HasPrefix(name, "Handshake")) {
			return blocksIO, desc
		}
	case "time":
		if recv == "" && name == "Sleep" {
			return blocksWait, desc
		}
	case "sync":
		switch {
		case recv == "WaitGroup" && name == "Wait", recv == "Cond" && name == "Wait":
			return blocksWait, desc
		case (recv == "Mutex" || recv == "RWMutex") && (name == "Lock" || name == "RLock"):
			return blocksMutex, desc
		}
	case "net":
		if recv == "" && (strings.HasPrefix(name, "Dial") || strings.HasPrefix(name, "Lookup")) {
			return blocksIO, desc
		}
		if recv != "" && (strings.HasPrefix(name, "Read") || strings.HasPrefix(name, "Write") ||
			strings.HasPrefix(name, "Accept") || strings.HasPrefix(name, "Dial") ||
			strings.HasPrefix(name, "Lookup")) {
			return blocksIO, desc
		}
	case "net/http":
		switch {
		case recv == "" && (name == "Get" || name == "Post" || name == "PostForm" || name == "Head" ||
			strings.HasPrefix(name, "ListenAndServe") || strings.HasPrefix(name, "Serve")):
			return blocksIO, desc
		case recv == "Client" && (name == "Do" || name == "Get" || name == "Post" || name == "PostForm" || name == "Head"):
			return blocksIO, desc
		case recv == "Server" && (strings.HasPrefix(name, "ListenAndServe") || strings.HasPrefix(name, "Serve")):
			return blocksIO, desc
		}
	case "os/exec":
		if recv == "Cmd" && (name == "Run" || name == "Wait" || name == "Output" || name == "CombinedOutput") {
			return blocksIO, desc
		}
	case "golang.org/x/sync/errgroup":
		if recv == "Group" && name == "Wait" {
			return blocksWait, desc
		}
	case "golang.org/x/sync/semaphore":
		if recv == "Weighted" && name == "Acquire" {
			return blocksWait, desc
		}
	}
	return notBlocking, ""
}

// isChan reports whether e is of channel type.
func isChan(info *types.Info, e ast.Expr) bool {
	t := info.TypeOf(e)
	if t == nil {
		return false
	}
	_, ok := t.Underlying().(*types.Chan)
	return ok
}
