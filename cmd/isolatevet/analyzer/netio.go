package analyzer

import (
	"go/ast"
	"go/types"
	"strings"

	"golang.org/x/tools/go/types/typeutil"
)

// Network I/O that does not name a net type at the call: io.ReadFull(conn,
// b), fmt.Fprintf(conn, …), json.NewDecoder(conn).Decode(&v), or a reader
// built over a connection earlier in the func (r := bufio.NewReader(conn);
// r.ReadString('\n')). The connection's static type tells: a net.Conn (or
// another net connection type) or a *tls.Conn. A reader or writer built over
// an io.Reader parameter is not followed: it may be a bytes.Buffer.

// isNetConn reports whether t is a network connection type: net.Conn,
// *net.TCPConn, *net.UDPConn, *net.UnixConn, *net.IPConn, net.PacketConn,
// or *tls.Conn.
func isNetConn(t types.Type) bool {
	if t == nil {
		return false
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return false
	}
	switch n.Obj().Pkg().Path() {
	case "net":
		switch n.Obj().Name() {
		case "Conn", "TCPConn", "UDPConn", "UnixConn", "IPConn", "PacketConn":
			return true
		}
	case "crypto/tls":
		return n.Obj().Name() == "Conn"
	}
	return false
}

// wrapperCtor reports whether fn builds a reader, writer, decoder or
// encoder over its first argument (every argument, for bufio.NewReadWriter).
func wrapperCtor(fn *types.Func) bool {
	if fn.Pkg() == nil || fn.Signature().Recv() != nil {
		return false
	}
	switch fn.Pkg().Path() {
	case "bufio":
		return strings.HasPrefix(fn.Name(), "New")
	case "encoding/json", "encoding/gob", "encoding/xml", "encoding/csv":
		return fn.Name() == "NewDecoder" || fn.Name() == "NewEncoder" ||
			fn.Name() == "NewReader" || fn.Name() == "NewWriter"
	case "net/textproto":
		return fn.Name() == "NewReader" || fn.Name() == "NewWriter" || fn.Name() == "NewConn"
	case "io":
		return fn.Name() == "LimitReader"
	}
	return false
}

// netWrappers finds the local variables of body that only ever hold a
// wrapper (wrapperCtor) over a network connection, or over another such
// wrapper.
func netWrappers(info *types.Info, body ast.Node) map[types.Object]bool {
	if body == nil {
		return nil
	}
	assigned := map[types.Object][]ast.Expr{}
	var order []types.Object
	escaped := map[types.Object]bool{}
	assignments(info, body, func(obj types.Object, rhs ast.Expr) {
		if _, seen := assigned[obj]; !seen {
			order = append(order, obj)
		}
		assigned[obj] = append(assigned[obj], rhs) // nil: not a single value from a wrapper
	}, func(obj types.Object) {
		escaped[obj] = true // may be assigned through the pointer
	})
	w := map[types.Object]bool{}
	for changed := true; changed; {
		changed = false
		for _, obj := range order {
			if w[obj] || escaped[obj] {
				continue
			}
			all := true
			for _, r := range assigned[obj] {
				if r == nil || !wrapsNet(info, r, w) {
					all = false
					break
				}
			}
			if all {
				w[obj] = true
				changed = true
			}
		}
	}
	return w
}

// wrapsNet reports whether e is a connection, a wrapper variable of w, or a
// wrapper built over one of them.
func wrapsNet(info *types.Info, e ast.Expr, w map[types.Object]bool) bool {
	e = ast.Unparen(e)
	if isNetConn(info.TypeOf(e)) {
		return true
	}
	switch e := e.(type) {
	case *ast.Ident:
		return w[info.Uses[e]]
	case *ast.CallExpr:
		fn, ok := typeutil.Callee(info, e).(*types.Func)
		if !ok || !wrapperCtor(fn) || len(e.Args) == 0 {
			return false
		}
		for _, a := range e.Args {
			if wrapsNet(info, a, w) {
				return true
			}
		}
	}
	return false
}

// wrapperBlocks reports whether a method of that name, called on a wrapper
// over a connection, reads or writes the connection. Buffered writes
// (bufio.Writer's Write, csv.Writer's Write) do not: their Flush does.
func wrapperBlocks(name string) bool {
	for _, p := range []string{"Read", "Scan", "Decode", "Encode", "Flush", "Peek", "Discard", "Token", "RawToken", "More", "WriteTo", "WriteAll", "Cmd", "PrintfLine", "DotWriter"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// netIOCall classifies a call that does network I/O without naming a
// net type's method: io and fmt funcs given a connection, and methods of a
// wrapper over one. It returns a description, or "".
func netIOCall(info *types.Info, call *ast.CallExpr, fn *types.Func, w map[types.Object]bool) string {
	if fn.Pkg() == nil {
		return ""
	}
	desc := types.ExprString(call.Fun)
	if recv := fn.Signature().Recv(); recv != nil {
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if ok && wrapperBlocks(fn.Name()) && !isNetConn(info.TypeOf(sel.X)) && wrapsNet(info, sel.X, w) {
			if _, inline := ast.Unparen(sel.X).(*ast.CallExpr); inline {
				return fn.Name() + " on a connection"
			}
			return desc
		}
		return ""
	}
	switch fn.Pkg().Path() {
	case "io":
		switch fn.Name() {
		case "ReadFull", "ReadAtLeast", "ReadAll", "Copy", "CopyN", "CopyBuffer":
			for _, a := range call.Args {
				if wrapsNet(info, a, w) {
					return desc
				}
			}
		case "WriteString":
			if len(call.Args) > 0 && isNetConn(info.TypeOf(call.Args[0])) {
				return desc
			}
		}
	case "fmt":
		switch fn.Name() {
		case "Fprint", "Fprintf", "Fprintln":
			if len(call.Args) > 0 && isNetConn(info.TypeOf(call.Args[0])) {
				return desc
			}
		case "Fscan", "Fscanf", "Fscanln":
			if len(call.Args) > 0 && wrapsNet(info, call.Args[0], w) {
				return desc
			}
		}
	}
	return ""
}
