// Command isolatevet checks programs that use github.com/isolatekit/isolate
// against the rules of its package doc: blocking while a member runs,
// scope ends and releases that are lost, a Join without Leave, and requests
// through the Isolator that wait for the requester. Run it with go vet:
//
//	go install github.com/isolatekit/isolate/cmd/isolatevet@latest
//	go vet -vettool=$(command -v isolatevet) ./...
//
// A report is silenced by an //isolate:ok comment on its line or the line
// above, followed by the reason. The flag -isolatevet.mutex=false turns off
// the report of sync.Mutex and RWMutex locks while a member runs. See
// README.md for each check and what the analysis cannot see.
package main

import (
	"github.com/isolatekit/isolate/cmd/isolatevet/analyzer"
	"golang.org/x/tools/go/analysis/unitchecker"
)

func main() { unitchecker.Main(analyzer.Analyzer) }
