package isolate

// Tests of barging (barge.go): a release wakes the oldest waiting plain
// request to ask again rather than granting it, and an isolation requested
// before it runs is granted at once; a waiting request is passed over this
// way a bounded number of times (maxRetries), and only in its first
// starveAfter of waiting. One processor makes the order certain: the woken
// request cannot run before the test's goroutine blocks; a bubble
// (testing/synctest) tells when everyone else is blocked.

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// patientRequests makes starveAfter longer than any test for the rest of
// t: a request is then passed over as often as maxRetries lets it, however
// slow the machine.
func patientRequests(t *testing.T) {
	old := starveAfter
	starveAfter, requestsPatient = time.Hour, true
	t.Cleanup(func() { starveAfter, requestsPatient = old, false })
}

// requestsPatient is set while patientRequests is in force: waitQueued then
// does not wait for the requests to have waited starveAfter.
var requestsPatient bool

// dormant reports whether iso's plain queue is dormant (B1).
func dormant(iso *Isolator) bool {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	return iso.dormant
}

// waitAsked waits until the woken head of iso's plain queue has asked again
// (the queue is active) and waits again.
func waitAsked(t *testing.T, iso *Isolator) {
	t.Helper()
	eventually(t, func() bool { return !dormant(iso) }, "the woken request asks again")
}

// bargeOnce releases the isolation rel and, before anything else runs on
// the one processor, tries to isolate again; it returns the new release
// func (nil if TryIsolate failed).
func bargeOnce(iso *Isolator, rel func()) func() {
	procs := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(procs)
	rel()
	next, ok := iso.TryIsolate()
	if !ok {
		return nil
	}
	return next
}

func TestReleaseLetsRunningRequesterBargeIn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		patientRequests(t)
		var iso Isolator
		relA := iso.Isolate()
		var relB func()
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)

		relC := bargeOnce(&iso, relA)
		require.NotNil(t, relC, "an isolation requested right after a release waited for the queued one")
		assert.Equal(t, uint64(2), iso.Stats().Isolations, "isolations granted: A, then C ahead of B")
		waitAsked(t, &iso)
		ob.blocked(t, "the queued isolation while the one that barged in runs")
		relC()
		ob.wait(t, "the queued isolation after the one that barged in")
		relB()
	})
}

// A request is passed over at most maxRetries times: the next release
// grants it (a hand-off), and an isolation requested then waits.
func TestBargingIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		patientRequests(t)
		var iso Isolator
		rel := iso.Isolate()
		var relB func()
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)

		barged := 0
		for range maxRetries + 1 {
			next := bargeOnce(&iso, rel)
			if next == nil {
				break
			}
			barged++
			rel = next
			waitAsked(t, &iso) // B asks again, finds rel held, and waits
		}
		ob.wait(t, "the request passed over maxRetries times")
		assert.Equal(t, maxRetries, barged, "isolations granted ahead of the waiting one")
		relB()
	})
}

// A request that has waited starveAfter is granted by the next release.
func TestBargingEndsAfterStarveAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var iso Isolator
		relA := iso.Isolate()
		var relB func()
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		time.Sleep(2 * starveAfter)

		if relC := bargeOnce(&iso, relA); relC != nil {
			relC()
			t.Error("an isolation barged in ahead of a request that waited longer than starveAfter")
		}
		ob.wait(t, "the request that waited long, at the release")
		relB()
	})
}

// A full request never waits behind barging: a release while one is queued
// hands off in arrival order.
func TestNoBargingWhileFullRequestWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		patientRequests(t)
		var iso Isolator
		relA := iso.Isolate()
		var relB, relF func()
		ob := isolateOp(iso.Isolate, &relB)
		waitQueued(t, &iso, 1, 0)
		of := isolateOp(iso.IsolateFull, &relF)
		waitQueued(t, &iso, 1, 1)

		if relC := bargeOnce(&iso, relA); relC != nil {
			relC()
			t.Error("an isolation barged in while a full request waited")
		}
		ob.wait(t, "the older plain request")
		of.blocked(t, "the full request behind it")
		relB()
		of.wait(t, "the full request")
		relF()
	})
}

// The woken request may not get a processor while the releaser barges in
// again and again (it never blocks): once the request has waited
// starveAfter, a release makes the queue active, and the next isolation is
// its own. Real time and one processor: the woken request cannot run before
// the test's goroutine blocks, and the loop stays shorter than the
// scheduler's preemption of a goroutine that never blocks (10 ms), after
// which the request would run and ask again itself.
func TestBargingEndsWhileWokenRequestWaitsForProcessor(t *testing.T) {
	old := starveAfter
	starveAfter = 3 * time.Millisecond
	defer func() { starveAfter = old }()
	const limit = 8 * time.Millisecond

	var iso Isolator
	rel := iso.Isolate()
	var relB func()
	ob := isolateOp(iso.Isolate, &relB)
	for p, _, _ := queued(&iso); p == 0; p, _, _ = queued(&iso) {
		runtime.Gosched()
	}
	queuedAt := time.Now()

	procs := runtime.GOMAXPROCS(1)
	barged, start := 0, time.Now()
	for time.Since(start) < limit {
		rel()
		next, ok := iso.TryIsolate()
		if !ok {
			break
		}
		barged, rel = barged+1, next
	}
	elapsed := time.Since(start)
	runtime.GOMAXPROCS(procs)
	if elapsed >= limit {
		rel()
		t.Errorf("isolations kept barging in for %v (%d) ahead of a request woken to ask again", elapsed, barged)
	}
	ob.wait(t, "the woken request")
	relB()
	if barged == 0 && start.Sub(queuedAt) < starveAfter/2 {
		t.Error("no isolation barged in ahead of a request that had just begun to wait")
	}
}

// bargeInvariants checks, under mu, what B1 says of a dormant queue and
// what the gate must count, and describes the first thing broken ("" if
// nothing is).
func bargeInvariants(iso *Isolator) string {
	iso.mu.Lock()
	defer iso.mu.Unlock()
	g := uint64(iso.gate.load())
	plain, full := int(g&gatePlainMask), int((g&gateFullMask)/gateFull)
	pl, fl := iso.plainQ.len(), iso.fullQ.len()
	switch {
	case (g&gateGranted != 0) != (iso.owner != nil):
		return "the granted bit disagrees with the owner"
	case full != fl:
		return fmt.Sprintf("gate counts %d full requests, %d queued", full, fl)
	case !iso.dormant && plain != pl:
		return fmt.Sprintf("active: gate counts %d plain requests, %d queued", plain, pl)
	case !iso.dormant:
	case pl == 0 || fl != 0 || plain != 0:
		return fmt.Sprintf("dormant: %d plain and %d full queued, gate counts %d plain", pl, fl, plain)
	case iso.plainCursor != 0 || iso.fullCursor != 0:
		return "dormant with a scan cursor past the first slot"
	case !iso.plainQ.head.retry.Load() || iso.plainQ.head.phase.Load() == waitParked:
		return "dormant with a head that was not woken to ask again"
	}
	return ""
}

// The head of a dormant queue gives up while it is woken to ask again (its
// context ends, and its abandon wins against the wake-up): its withdrawal
// wakes the next request in its place (passRetry), which is then granted,
// and the invariants hold throughout. White-box: the test waits for the
// head's wait word to say it gave up before it releases.
func TestDormantHeadGivesUp(t *testing.T) {
	patientRequests(t)
	var iso Isolator
	iso.StallAfter = -1
	_ = iso.Isolate() // A, released below under mu
	ctx, cancel := context.WithCancel(context.Background())
	var errB error
	ob := goOp(func() { _, errB = iso.IsolateContext(ctx) })
	waitQueued(t, &iso, 1, 0)
	var relC func()
	oc := isolateOp(iso.Isolate, &relC)
	waitQueued(t, &iso, 2, 0)

	iso.mu.Lock()
	b := iso.plainQ.head
	for b.phase.Load() != waitParked {
		iso.mu.Unlock()
		runtime.Gosched()
		iso.mu.Lock()
	}
	cancel()
	for b.phase.Load() != waitWaiting { // B's abandon won; it waits for mu
		runtime.Gosched()
	}
	iso.releaseLocked(iso.owner)
	wentDormant := iso.dormant
	iso.mu.Unlock()
	require.True(t, wentDormant, "A's release did not make the queue dormant")
	assert.Empty(t, bargeInvariants(&iso), "B giving up")
	ob.wait(t, "B, given up")
	assert.ErrorIs(t, errB, context.Canceled)
	oc.wait(t, "C, woken in B's place")
	assert.Empty(t, bargeInvariants(&iso), "C isolated")
	relC()
	assert.Empty(t, bargeInvariants(&iso), "at the end")
}
