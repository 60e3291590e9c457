package isolate_test

// Examples of Do, members' and outsiders'.

import (
	"fmt"
	"sync"

	"github.com/isolatekit/isolate"
)

// Members count words into a shared map with short writes: concurrent Do
// calls share one isolation instead of paying one each. A panic in a
// section reaches its own caller only.
func ExampleMember_Do() {
	var iso isolate.Isolator
	counts := map[string]int{}
	words := []string{"a", "b", "a", "c", "a", "b"}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join()
			defer m.Leave()
			for _, w := range words {
				m.Do(func() { counts[w]++ }) // runs isolated, maybe on another goroutine
			}
		}()
	}
	wg.Wait()

	m := iso.Join()
	defer m.Leave()
	func() {
		defer func() { fmt.Println("recovered:", recover()) }()
		m.Do(func() { panic("bad write") })
	}()
	m.Do(func() { fmt.Println(counts["a"], counts["b"], counts["c"]) })
	// Output:
	// recovered: bad write
	// 12 8 4
}

// An outsider's Do: the section runs isolated from every member.
func ExampleIsolator_Do() {
	var iso isolate.Isolator
	config := map[string]string{}
	iso.Do(func() { config["mode"] = "fast" })
	iso.Do(func() { fmt.Println(config["mode"]) })
	// Output: fast
}
