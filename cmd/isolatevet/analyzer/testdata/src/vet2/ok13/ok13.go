// Package ok13 is a command interpreter: one scope variable reused across
// the loop, a switch with a scope per case, continue after each end.
package ok13

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/isolatekit/isolate"
)

type KV struct {
	iso  isolate.Isolator
	data map[string]int
}

func (kv *KV) Session(r io.Reader, w io.Writer) error {
	m := kv.iso.Join()
	defer m.Leave()
	in := bufio.NewScanner(r)
	var sc isolate.Scope
	for {
		sc = m.Idle()
		more := in.Scan()
		sc.End()
		if !more {
			return in.Err()
		}
		f := strings.Fields(in.Text())
		if len(f) == 0 {
			continue
		}
		switch f[0] {
		case "get":
			if len(f) != 2 {
				continue
			}
			v := kv.data[f[1]]
			sc = m.Harmless()
			fmt.Fprintln(w, v)
			sc.End()
		case "set":
			if len(f) != 3 {
				continue
			}
			n, err := strconv.Atoi(f[2])
			if err != nil {
				sc = m.Harmless()
				fmt.Fprintln(w, "error:", err)
				sc.End()
				continue
			}
			release := m.Isolate()
			kv.data[f[1]] = n
			release()
		case "quit":
			return nil
		default:
			sc = m.Harmless()
			fmt.Fprintf(w, "unknown command %q\n", f[0])
			sc.End()
		}
	}
}
