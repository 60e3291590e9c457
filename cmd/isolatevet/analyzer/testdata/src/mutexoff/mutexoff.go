// With -mutex=false, locks are not reported.
package mutexoff

import (
	"sync"

	"github.com/isolatekit/isolate"
)

func locks(m isolate.Member, mu *sync.Mutex, jobs chan int) {
	mu.Lock()
	mu.Unlock()
	<-jobs // want `<-jobs blocks while m runs`
}
