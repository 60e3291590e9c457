// Suppression by //isolate:ok.
package suppress

import (
	"time"

	"github.com/isolatekit/isolate"
)

func silenced(m isolate.Member, jobs chan int) {
	<-jobs //isolate:ok jobs is buffered and never empty here
	//isolate:ok the sleep is a test's
	time.Sleep(time.Millisecond)
	jobs <- 1 // want `send on jobs blocks while m runs`
}
