// A combined update that waits for a reply inside Do.
package bug16

import "github.com/isolatekit/isolate"

func apply(iso *isolate.Isolator, table map[string]int, replies chan int) {
	iso.Do(func() {
		table["x"] = <-replies
	})
}
