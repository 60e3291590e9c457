package main

import (
	"os"
	"strings"
	"testing"
)

// The program runs, under the race detector too.
func Example_main() {
	main()
	// Output: price: 11 isolations: 10
}

// The root README shows this program as it is, so that it cannot rot.
func TestREADMEShowsTheProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```\n") {
		t.Error("README.md does not show examples/quickstart/main.go as it is, in a ```go block")
	}
}
