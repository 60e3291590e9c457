package isolate

import (
	"bytes"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Where goroutines wait. Go gives a goroutine no identity a program can
// read cheaply, so a named member records the id of the goroutine that
// joined it, parsed from the header of its own stack trace (JoinNamed pays
// for that walk of its stack; Join does not, and its members have no
// goroutine in reports). A stall report, on its own goroutine, then takes
// one dump of every goroutine (runtime.Stack with all set: a brief stop of
// the world, on the report path only) and picks the goroutines it needs by
// id: the wait reason from the header, the top frames from the trace.
//
// The id is the goroutine that joined. A member handed to another goroutine
// (allowed while idle) is no longer on it: reports say "joined on goroutine
// N" and show that goroutine, which may have exited or moved on. A member
// that joined idle (JoinIdleNamed) is handed on as a rule, for each
// callback: reports say it may have been, and show no goroutine for it.

// goroutineID returns the id of the calling goroutine.
func goroutineID() uint64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	id, _ := parseHeader(buf[:n])
	return id
}

// parseHeader parses "goroutine 18 [chan receive, 2 minutes]:" (with other
// words, such as "gp=0x... m=...", between the id and the bracket under
// GOTRACEBACK=system), returning the id and the wait reason, without its
// duration or "locked to thread"; 0 if line is no header.
func parseHeader(line []byte) (id uint64, reason string) {
	rest, ok := bytes.CutPrefix(line, []byte("goroutine "))
	if !ok {
		return 0, ""
	}
	end := bytes.IndexFunc(rest, func(r rune) bool { return r < '0' || r > '9' })
	if end <= 0 {
		return 0, ""
	}
	id, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	if err != nil {
		return 0, ""
	}
	if i := bytes.IndexByte(rest, '['); i >= 0 {
		if j := bytes.IndexByte(rest[i:], ']'); j > 0 {
			reason = string(rest[i+1 : i+j])
			reason, _, _ = strings.Cut(reason, ",")
		}
	}
	return id, reason
}

// A goroutineTrace is one goroutine of a dump: its wait reason and its
// frames, innermost first (Function, File and Line set).
type goroutineTrace struct {
	reason string
	frames []runtime.Frame
}

// maxDump bounds the buffer of a goroutine dump: a program with more
// goroutines than fit is described in part (the goroutines past the limit
// are not found).
const maxDump = 64 << 20

// dumpGoroutines returns the goroutines whose ids are in want (every one if
// all is set), from one dump of all goroutines; nil when want is empty and
// all is not (no dump is taken).
func dumpGoroutines(want map[uint64]bool, all bool) map[uint64]goroutineTrace {
	if len(want) == 0 && !all {
		return nil
	}
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) || len(buf) >= maxDump {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	return parseDump(buf, want, all)
}

// parseDump parses the goroutines of dump that are in want, or all.
func parseDump(dump []byte, want map[uint64]bool, all bool) map[uint64]goroutineTrace {
	found := make(map[uint64]goroutineTrace)
	for block := range bytes.SplitSeq(dump, []byte("\n\n")) {
		header, body, _ := bytes.Cut(block, []byte("\n"))
		id, reason := parseHeader(header)
		if id == 0 || !all && !want[id] {
			continue
		}
		found[id] = goroutineTrace{reason: reason, frames: parseFrames(body)}
	}
	return found
}

// parseFrames parses the frames of one goroutine's trace: a line with the
// function and its arguments, then a tab and file:line +offset; it stops at
// "created by".
func parseFrames(body []byte) []runtime.Frame {
	var frames []runtime.Frame
	lines := strings.Split(string(body), "\n")
	for i := 0; i+1 < len(lines); i += 2 {
		fn, loc := lines[i], lines[i+1]
		if strings.HasPrefix(fn, "created by ") || !strings.HasPrefix(loc, "\t") {
			break
		}
		if p := strings.LastIndexByte(fn, '('); p > 0 && strings.HasSuffix(fn, ")") {
			fn = fn[:p]
		}
		loc, _, _ = strings.Cut(strings.TrimPrefix(loc, "\t"), " +0x")
		f := runtime.Frame{Function: fn, File: loc}
		if c := strings.LastIndexByte(loc, ':'); c > 0 {
			if line, err := strconv.Atoi(loc[c+1:]); err == nil {
				f.File, f.Line = loc[:c], line
			}
		}
		frames = append(frames, f)
	}
	return frames
}

// thisPackage is the prefix of this package's functions in traces.
const thisPackage = "github.com/isolatekit/isolate."

// packageDir is the directory of this package's files, as traces name it
// (empty if the binary was built without it).
var packageDir = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(file)
}()

// topFrames are at most how many frames a report shows of a goroutine.
const topFrames = 6

// userFrames returns the frames of a trace that a report shows: the
// runtime's own and this package's unexported ones are left out (a member
// waiting in Isolate shows Isolate, then its caller), at most topFrames.
func userFrames(frames []runtime.Frame) []runtime.Frame {
	var top []runtime.Frame
	for _, f := range frames {
		if internalFrame(f) {
			continue
		}
		top = append(top, f)
		if len(top) == topFrames {
			break
		}
	}
	return top
}

// libraryFrame reports whether f is in this package's library code (not
// its tests).
func libraryFrame(f runtime.Frame) bool {
	return strings.HasPrefix(f.Function, thisPackage) && filepath.Dir(f.File) == packageDir && !strings.HasSuffix(f.File, "_test.go")
}

// internalFrame reports whether f is a frame a report leaves out: the
// runtime's, and this package's library code but its exported functions.
func internalFrame(f runtime.Frame) bool {
	fn := f.Function
	if strings.HasPrefix(fn, "runtime.") || strings.HasPrefix(fn, "internal/") {
		return true
	}
	if !libraryFrame(f) {
		return false
	}
	name := strings.TrimPrefix(fn, thisPackage)
	// "(*Isolator).Isolate", "Member.Harmless", "Scope.End": exported
	// if the last name is.
	name = name[strings.LastIndexByte(name, '.')+1:]
	r, _ := utf8.DecodeRuneInString(name)
	return !unicode.IsUpper(r)
}

// callerFrame returns the top frame of stack outside the standard library
// and this package (the program's own code, where it made the call that
// blocks), or the top frame if all are in them; false if stack is empty.
func callerFrame(stack []runtime.Frame) (runtime.Frame, bool) {
	for _, f := range stack {
		if !standardFrame(f.Function) && !libraryFrame(f) {
			return f, true
		}
	}
	if len(stack) == 0 {
		return runtime.Frame{}, false
	}
	return stack[0], true
}

// standardFrame reports whether fn is in the standard library: its import
// path's first element has no dot, and it is not package main.
func standardFrame(fn string) bool {
	if i := strings.IndexByte(fn, '/'); i >= 0 {
		return !strings.Contains(fn[:i], ".")
	}
	pkg, _, _ := strings.Cut(fn, ".")
	return pkg != "main"
}

// callsInto reports whether the trace frames is inside one of this package's
// methods named in methods ("(*Isolator).Isolate"), called from site (a zero
// site matches any caller).
func callsInto(frames []runtime.Frame, methods []string, site runtime.Frame) bool {
	_, ok := callSite(frames, methods, site)
	return ok
}

// callSite returns the frame that called one of methods in frames, from
// site if site is not zero, as callsInto finds it.
func callSite(frames []runtime.Frame, methods []string, site runtime.Frame) (runtime.Frame, bool) {
	for i, f := range frames {
		name, ok := strings.CutPrefix(f.Function, thisPackage)
		if !ok {
			continue
		}
		for _, m := range methods {
			if name != m {
				continue
			}
			var caller runtime.Frame
			if i+1 < len(frames) {
				caller = frames[i+1]
			}
			if site.File == "" || caller.File == site.File && caller.Line == site.Line {
				return caller, true
			}
		}
	}
	return runtime.Frame{}, false
}
