// Package seedref is a reference implementation of HAProxy's shared-mask
// rendez-vous point (HAProxy 1.9-dev commit 60b639ccb, 2018), with the four
// fixes HAProxy made to it later. It exists for tests and benchmarks of the
// isolate module (a differential test, and a peer in the benchmarks); it is
// not for production: waiters spin with runtime.Gosched, as the seed spun
// with sched_yield, and every harmless scope writes a shared cache line.
//
// Threads are identified by an int id in [0, n), fixed at construction. Two
// shared bit masks, one bit per thread, carry the whole protocol:
//
//	want  harmless  meaning
//	0     0         running: may touch the shared state
//	0     1         harmless: does not touch it right now
//	1     1         wants isolation, waiting for its turn
//	1     0         isolated: runs alone
//
// The fixes, each checked by a test:
//
//  1. Release does a proper harmless end (clear the harmless bit, then look
//     for requests, and retry while there are some). The seed returned from
//     release with the harmless bit still set, so that a third thread could
//     isolate itself while the releasing thread ran on.
//  2. A thread waiting for requests to end ignores its own request, so that
//     an isolated thread may open a harmless scope inside its section
//     without waiting for itself forever.
//  3. The winner of the race to clear its harmless bit checks again that
//     every other thread is harmless. With masks of several words the
//     clearing compare-and-swap covers one word only; two threads in
//     different words could otherwise both believe they are alone.
//  4. The isolated thread is recorded as the owner of the isolation
//     (HAProxy's isolated_thread, 598cf3f22), and only the owner's release
//     clears it. With fix 2 alone, a harmless scope inside an isolated
//     section let a second thread isolate itself; if that one opened a
//     harmless scope too, each waited for the other's request to end, for
//     ever. Now a second thread cannot win while the first one is isolated,
//     and the owner's harmless end waits for nobody.
//
// Every state change is a read-modify-write (Or, And, CompareAndSwap),
// never a plain Store: under the race detector a Store is only a release
// store, and the protocol is a Dekker handshake (golang/go#58020).
package seedref

import (
	"fmt"
	"runtime"
	"sync/atomic"
	"unsafe"
)

// A Rendezvous is the rendez-vous point shared by a fixed set of threads.
// Use [New] to make one.
//
// Every thread starts harmless: a thread that has not started yet does not
// keep anyone from isolating. A thread starts running with [HarmlessEnd],
// which waits while an isolation is in progress (HAProxy learnt that start
// is a rendez-vous too).
//
// An outsider, a goroutine that never runs as a thread, takes an id of its
// own that it leaves harmless, isolates with Isolate, and releases with
// [Rendezvous.ReleaseHarmless].
//
// Harmless scopes and isolation do not nest: a thread calls HarmlessNow
// only while running and Isolate only while running or harmless, as in
// HAProxy.
type Rendezvous struct {
	n int
	// all has the bit of every thread set, word by word.
	all []uint64
	// harmless and want are the two masks, each on cache lines of its
	// own.
	harmless, want []atomic.Uint64
	// owner is the id of the isolated thread, or noOwner (fix 4).
	owner atomic.Int64
}

// noOwner is the owner of a Rendezvous where nobody is isolated.
const noOwner = -1

// New returns a Rendezvous for n threads, with ids 0 to n-1, all harmless.
func New(n int) *Rendezvous {
	if n <= 0 {
		panic(fmt.Sprintf("seedref: %d threads", n))
	}
	words := (n + 63) / 64
	r := &Rendezvous{
		n:        n,
		all:      make([]uint64, words),
		harmless: alignedWords(words),
		want:     alignedWords(words),
	}
	r.owner.Store(noOwner)
	for i := range n {
		r.all[i/64] |= 1 << (i % 64)
	}
	for w := range r.harmless {
		r.harmless[w].Or(r.all[w])
	}
	return r
}

// Threads returns the number of thread ids.
func (r *Rendezvous) Threads() int { return r.n }

// alignedWords returns n atomic words that start a cache line and share no
// line with another object.
func alignedWords(n int) []atomic.Uint64 {
	const line = 64 / 8 // words per cache line
	s := make([]atomic.Uint64, n+2*line)
	i := 0
	for uintptr(unsafe.Pointer(&s[i]))%64 != 0 {
		i++
	}
	return s[i : i+n : i+n]
}

// bit returns the word index and the bit of thread id.
func (r *Rendezvous) bit(id int) (int, uint64) {
	if id < 0 || id >= r.n {
		panic(fmt.Sprintf("seedref: thread id %d out of range [0, %d)", id, r.n))
	}
	return id / 64, 1 << (id % 64)
}

// HarmlessNow marks thread id harmless: it promises not to touch the shared
// state until HarmlessEnd.
func (r *Rendezvous) HarmlessNow(id int) {
	w, b := r.bit(id)
	r.harmless[w].Or(b)
}

// HarmlessEnd marks thread id running again, after waiting for every
// isolation request but its own to end; the isolated thread waits for
// nobody.
func (r *Rendezvous) HarmlessEnd(id int) {
	w, b := r.bit(id)
	for {
		r.harmless[w].And(^b)
		if r.owner.Load() == int64(id) || !r.othersWant(w, b) {
			// Fix 4: the isolated thread waits for nobody; no other
			// request can be granted before its release.
			return
		}
		// Someone wants isolation (or is isolated): be harmless until
		// every request but ours has ended, then try again.
		r.harmless[w].Or(b)
		r.waitNoRequest(w, b)
	}
}

// Isolate waits until every other thread is harmless or waiting to isolate
// itself, and returns with thread id isolated: it runs alone until Release.
// Thread id must be running or harmless, and not isolated already.
func (r *Rendezvous) Isolate(id int) {
	w, b := r.bit(id)
	// While it waits the thread is harmless; the request is announced
	// after that, so that a thread waiting for requests to end never
	// waits for a thread that is not harmless.
	r.harmless[w].Or(b)
	r.want[w].Or(b)
	for {
		if r.win(w, b) {
			// Fix 3: the compare-and-swap covered word w only. Fix 4:
			// every other thread may be harmless because the isolated
			// one is inside a harmless scope of its section.
			if r.othersHarmless(w, b) && r.owner.CompareAndSwap(noOwner, int64(id)) {
				return
			}
			r.harmless[w].Or(b) // back off, and let the other win
		}
		runtime.Gosched()
	}
}

// win tries to clear thread (w, b)'s harmless bit while every thread looks
// harmless, and reports whether it did. Only one thread of a word wins.
func (r *Rendezvous) win(w int, b uint64) bool {
	return r.allHarmless() && r.clearIfAllHarmless(w, b)
}

// allHarmless reports whether every thread is harmless.
func (r *Rendezvous) allHarmless() bool {
	for i := range r.harmless {
		if r.harmless[i].Load()&r.all[i] != r.all[i] {
			return false
		}
	}
	return true
}

// clearIfAllHarmless clears thread (w, b)'s harmless bit if every thread of
// its word is harmless, atomically; it reports whether it did.
func (r *Rendezvous) clearIfAllHarmless(w int, b uint64) bool {
	old := r.harmless[w].Load()
	return old&r.all[w] == r.all[w] && r.harmless[w].CompareAndSwap(old, old&^b)
}

// othersHarmless reports whether every thread but (w, b) is harmless.
func (r *Rendezvous) othersHarmless(w int, b uint64) bool {
	for i := range r.harmless {
		need := r.all[i]
		if i == w {
			need &^= b
		}
		if r.harmless[i].Load()&need != need {
			return false
		}
	}
	return true
}

// othersWant reports whether a thread but (w, b) wants or holds isolation.
func (r *Rendezvous) othersWant(w int, b uint64) bool {
	for i := range r.want {
		v := r.want[i].Load()
		if i == w {
			v &^= b // fix 2: never wait for our own request
		}
		if v != 0 {
			return true
		}
	}
	return false
}

// waitNoRequest spins until no thread but (w, b) wants isolation.
func (r *Rendezvous) waitNoRequest(w int, b uint64) {
	for r.othersWant(w, b) {
		runtime.Gosched()
	}
}

// Release ends the isolation of thread id, which runs on (not harmless)
// once every other pending request has been served, as in HAProxy.
func (r *Rendezvous) Release(id int) {
	w, b := r.bit(id)
	r.owner.CompareAndSwap(int64(id), noOwner)
	r.want[w].And(^b)
	// Fix 1: a proper harmless end. Our harmless bit is clear; if anyone
	// wants isolation, become harmless until they are done, then clear
	// the bit and look again.
	for r.othersWant(w, b) {
		r.harmless[w].Or(b)
		r.waitNoRequest(w, b)
		r.harmless[w].And(^b)
	}
}

// ReleaseHarmless ends the isolation of thread id and leaves it harmless:
// the release of an outsider, which does not wait for anybody.
func (r *Rendezvous) ReleaseHarmless(id int) {
	w, b := r.bit(id)
	r.harmless[w].Or(b)
	r.owner.CompareAndSwap(int64(id), noOwner)
	r.want[w].And(^b)
}
