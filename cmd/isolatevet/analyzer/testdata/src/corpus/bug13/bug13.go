// A member waits for its helpers while running.
package bug13

import (
	"sync"

	"github.com/isolatekit/isolate"
)

func fanOut(iso *isolate.Isolator, parts []int) {
	m := iso.Join()
	defer m.Leave()
	var wg sync.WaitGroup
	for _, p := range parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_ = p * 2
		}()
	}
	wg.Wait()
}
