// Quickstart: workers read a shared price list while an admin changes it.
package main

import (
	"fmt"
	"sync"

	"github.com/isolatekit/isolate"
)

func main() {
	var iso isolate.Isolator
	prices := map[string]int{"apple": 1} // shared: workers read it, the admin changes it
	orders := make(chan string)
	var wg sync.WaitGroup
	for range 4 { // the workers
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := iso.Join() // a member now, running: it may read prices
			defer m.Leave()
			for {
				idle := m.Idle() // between jobs: holds nothing, so any isolation may run
				item, ok := <-orders
				idle.End() // running again; waits while an isolation runs
				if !ok {
					return
				}
				_ = prices[item]
			}
		}()
	}
	for i := range 1000 { // the admin, which also sends the orders
		orders <- "apple"
		if i%100 == 0 {
			release := iso.Isolate() // returns once every worker is harmless
			prices["apple"]++        // alone: no worker reads meanwhile
			release()
		}
	}
	close(orders)
	wg.Wait()
	fmt.Println("price:", prices["apple"], "isolations:", iso.Stats().Isolations)
}
