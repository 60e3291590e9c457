package isolate

// Tests of the report path under load (every kind of report, Blockers and
// Stats, while requests come and go): exclusion holds, every report names
// whom it waits for, and under -race the report path does not race with the
// requests. A test of what one report says goes in the diag_ file of its
// kind.

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The report path under load: named members joined idle, running in busy
// scopes that sometimes block long outside a harmless scope, while
// outsiders isolate and synchronize and a reader polls Blockers and Stats.
// Isolations exclude every busy member throughout. If nobody is set, every
// report must name whom it waits for: a blocker or a holder for a request,
// a blocker for a grace period, a holder and a waiter for a held isolation.
// Under -race, the report path must not race with the requests.
func reportsUnderLoad(t *testing.T, d time.Duration, nobody bool) {
	var bad atomic.Value
	var reports atomic.Int64
	iso := &Isolator{StallAfter: 300 * time.Microsecond}
	iso.OnStall = func(r StallReport) {
		reports.Add(1)
		if !nobody {
			_ = r.String()
			return
		}
		ok := true
		switch r.Kind {
		case StallIsolation, StallFullIsolation:
			ok = len(r.Blockers) > 0 || r.Holder != nil
		case StallGracePeriod:
			ok = len(r.Blockers) > 0
		case StallHeldIsolation:
			ok = r.Holder != nil && len(r.Waiters) > 0
		}
		_ = r.String()
		if !ok {
			bad.CompareAndSwap(nil, fmt.Sprintf("a %v report names nobody: %v", r.Kind, r))
		}
	}
	var stop atomic.Bool
	var wg sync.WaitGroup
	var running atomic.Int64
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 1))
			m := iso.JoinIdleNamed(fmt.Sprint("cb-", i))
			for !stop.Load() {
				b := m.Busy()
				running.Add(1)
				if r.IntN(20) == 0 {
					time.Sleep(time.Millisecond) // the mistake that stalls
				}
				running.Add(-1)
				b.End()
				if r.IntN(10) == 0 {
					m.Leave()
					m = iso.JoinIdleNamed(fmt.Sprint("cb-", i))
				}
			}
			m.Leave()
		}()
	}
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; !stop.Load(); j++ {
				switch (i + j) % 3 {
				case 0:
					release := iso.Isolate()
					if n := running.Load(); n != 0 {
						bad.CompareAndSwap(nil, fmt.Sprintf("%d members run in an isolation", n))
					}
					time.Sleep(500 * time.Microsecond) // long enough to hold members back
					release()
				case 1:
					release := iso.IsolateFull()
					if n := running.Load(); n != 0 {
						bad.CompareAndSwap(nil, fmt.Sprintf("%d members run in a full isolation", n))
					}
					release()
				case 2:
					iso.Synchronize()
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			for _, mi := range iso.Blockers() {
				_ = mi.String()
			}
			_ = iso.Stats()
			time.Sleep(100 * time.Microsecond)
		}
	}()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) && bad.Load() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	if v := bad.Load(); v != nil {
		t.Fatal(v)
	}
	t.Logf("%d reports", reports.Load())
}

// Exclusion holds and the report path works under load. Under -race it
// also checks that a report reads the request only under mu: by the time
// it is made, the request may have been granted, released and reused by
// another outsider's isolation, which writes req.full under mu (a read of
// req.full after the unlock was reported within a few hundred reports).
func TestStallReportsUnderLoad(t *testing.T) {
	reportsUnderLoad(t, 300*time.Millisecond, false)
}

// Every report names whom it waits for. A request's report due while the
// last blocker's kick is in flight (the member swapped its word to idle or
// harmless and waits for mu to run schedule) would name no blocker and no
// holder, the wait being over but for the grant: reportStall skips it, as
// reportGraceStall skips the same case ("every member has been idle: over,
// but for the waiter's wake-up"). Probabilistic: without the skip, such a
// report came within a second or two of load.
func TestStallReportsNameWhomTheyWaitFor(t *testing.T) {
	reportsUnderLoad(t, 3*time.Second, true)
}
