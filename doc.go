// Package isolate provides a rendez-vous point for goroutines that share a
// structure which must sometimes be changed or inspected while nobody else
// touches it.
//
// Goroutines that use the structure join an [Isolator] as members. A member
// that is running may read the structure. It marks itself idle while it
// waits for its next job, holding no reference into the structure, and
// harmless around a blocking call in the middle of a job (a network read,
// an RPC), where it may still hold some:
//
//	sc := m.Idle() // between jobs: holds nothing
//	req := <-requests
//	sc.End()
//	s := sessions[req.id] // running: reads need no lock
//	sc = m.Harmless()     // a blocking call inside the job, holding s
//	resp, err := backend.Call(s.key)
//	sc.End()
//
// Any goroutine may isolate itself: the call returns once every other member
// is harmless, idle or waiting, the critical section then runs alone, and
// the returned func ends it. A member isolates with [Member.Isolate], any
// other goroutine with [Isolator.Isolate]:
//
//	defer iso.Isolate()()
//
// A member on a hot path (a write per request) isolates with
// [Member.IsolateScope] instead: the same isolation, returned as a [Scope]
// whose End releases it, with no allocation for a release func:
//
//	defer m.IsolateScope().End()
//
// Members that try to leave harmlessness during an isolation wait until it
// ends. A member that is harmless is never woken to take part in a
// rendez-vous: an isolation costs sleeping members nothing. This is the
// design of HAProxy's thread isolation, done with Go's tools: the harmless
// fast path writes only the member's own cache line and loads one
// read-mostly word, and every waiter spins briefly, then parks.
//
// # Member states
//
// A member is in one of these states; the table says which isolations may
// run meanwhile, and whether a grace period (below) waits for the member.
//
//	state      entered by                    plain isolation  full isolation   grace period
//	running    Join, Busy, end of a scope    no               no               waits
//	harmless   Harmless, waiting in Isolate  yes              no               waits
//	idle       Idle, JoinIdle, IsolateFull   yes              yes              done
//	isolated   return of Isolate             (it is the one)  (it is the one)  waits
//
// A member that asks for an isolation from an idle scope waits idle, even
// for a plain one: it holds no references.
//
// A member that joined with [Isolator.JoinIdle] starts idle, with no scope
// open; [Member.Busy] makes it running until the scope's End, which puts it
// back.
//
// [Isolator.Blockers] and stall reports show a member in its own isolation
// as [StateIsolated].
//
// Harmless means "not touching the shared structure right now", perhaps in
// the middle of a job and holding references into it. Idle is stronger:
// between jobs, holding nothing, so that a full isolation
// ([Isolator.IsolateFull]) may free or replace what members could otherwise
// hold. A member that runs long without blocking calls [Member.Poll] now and
// then: it lets a requested isolation run, and costs one load otherwise.
//
// # Grace periods
//
// Members that are idle hold no references: that makes the Isolator a
// read-copy-update (RCU) domain too, without stopping anybody. A writer
// publishes a new version of an object (an atomic.Pointer swap), waits for a
// grace period with [Isolator.Synchronize], which returns once every member
// that was not idle at the call has been idle since, and then reuses or
// frees the old version: no member can still hold it. [Isolator.Defer] runs
// a func after such a grace period instead of waiting, and lets many
// retirements share one. Readers pay nothing for it: they take no lock,
// the fast paths write nothing more, and no member ever waits for a grace
// period (the state's idle count sees an idle state however brief).
//
//	old := table.Swap(next) // members that run now may still read old
//	iso.Defer(func() { pool.Put(old) })
//
// Idle between jobs, Harmless around blocking calls inside a job: a member
// that waits for its next job in a harmless scope is never idle while
// traffic stops, and every grace period waits for it until a job comes.
//
// [Isolator.Barrier] waits until every func deferred before it has run; a
// member calls it, as Synchronize, from an Idle scope.
//
// # Fairness
//
// Isolations are granted in arrival order, plain and full alike, except that
// a plain isolation passes a full one while some member is not idle (it
// would otherwise wait for a condition that the plain requester itself,
// harmless but not idle, may keep false), and that a running goroutine may
// barge in ahead of waiting plain isolations, as it may take a sync.Mutex
// ahead of the goroutines that wait for it. When an isolation ends while
// plain isolations wait (and no full one), the oldest is woken to ask again
// rather than granted. Until it runs, the waiting isolations hold nobody
// back: members' scopes end and Poll returns at once, Join does not wait,
// and an isolation requested meanwhile (TryIsolate too) is granted at once
// if every other member is harmless (idle, for a full isolation). So a
// goroutine that isolates for each short write keeps its processor instead
// of handing every isolation to a parked goroutine, which costs a context
// switch per isolation. A waiting isolation is woken to ask again at most 4
// times; once it has waited 100 µs, the next isolations are granted in
// arrival order (a few more may get in before the clock is looked at
// again). An isolation that cannot be granted at once waits behind the
// others. Members held back by an isolation run again when it ends, before
// the next waiting one begins (as sync.RWMutex lets waiting readers in when
// a writer unlocks), so neither side starves. A member held as it ended a
// scope, released when no isolation waits, stays harmless or idle, as in
// its scope, until it gets a processor, so that an isolation or grace
// period requested meanwhile waits for it no more than for a member still
// in its scope; one that begins before it runs holds it back once more,
// and so on up to 4 times, after which it runs again as above, before the
// next waiting isolation. A pending full isolation also holds back members
// ending an idle scope, so that it gets in: once every member is idle it
// is granted next, or right after the older plain isolations.
//
// # Rules
//
//   - Idle between jobs, Harmless around blocking calls inside a job. Wrap
//     the wait for the next job in an idle scope, and every other call that
//     may block (channel operations, I/O, locks that other members hold,
//     time.Sleep) in a harmless scope. A member that blocks while running
//     keeps every isolation waiting; one that waits for its next job in a
//     harmless scope keeps full isolations and grace periods waiting until
//     the job comes.
//   - Never isolate while holding a lock that a running member may wait for:
//     the member never becomes harmless (HAProxy hit this deadlock four
//     times).
//   - A member isolates through its Member, never through the Isolator,
//     which would wait for the member itself; for the same reason it calls
//     Synchronize and Barrier only from an Idle scope, and never calls Join while it
//     is a member.
//   - IsolateFull from a member needs it idle or running, never harmless:
//     a harmless member may hold references, so IsolateFull inside a
//     Harmless scope panics, as Idle does there.
//   - With full isolations in use, a member that waits for another member
//     waits in an idle scope, not a harmless one: a pending full isolation
//     holds back members ending idle scopes, and Joins, so a member blocked
//     in a harmless scope on work that an idle member would do next, or on
//     a goroutine that is about to Join, keeps the full isolation, and
//     itself, waiting for ever.
//   - Scopes nest and end in the reverse order of opening; each End is
//     called once, and is bound to its one scope: a stale End panics, or is
//     a no-op once for a scope that Leave ended, and never ends another
//     scope. Call Leave when done.
//   - A Member, its Scopes and the funcs it returns belong to one goroutine
//     at a time: at first the one that joined. The member may be handed to
//     another goroutine while it has no scope open and is not isolated,
//     over a synchronizes-before edge such as the go statement or a channel
//     send; the goroutine that handed it over uses it no more. Hand it over
//     idle (a member that joined with [Isolator.JoinIdle], between its
//     [Member.Busy] scopes): a running member in transit keeps every
//     isolation waiting.
//   - An Isolator (a package-level one too) may serve one testing/synctest
//     bubble after another, and plain code before or after them; but not a
//     bubble's goroutines and goroutines outside it at once: the waits use
//     channels, which synctest forbids across a bubble's boundary.
//
// Mistakes announce themselves. Misuse that can be detected (a stale End,
// called again, out of order or after its scope ended; a second call of a
// release func; IsolateFull inside a Harmless scope; using a Member after
// Leave; more than 1000 open scopes: an End that is never called, as with
// `m.Harmless()` without `.End()`) panics with a message that starts with
// "isolate: ", before any state changes: the Isolator stays usable by
// everyone else. A request that waits longer than [Isolator.StallAfter]
// (one second by default) is reported, through log/slog or
// [Isolator.OnStall], with who asked and from where, who holds the
// isolation, and the members that keep it waiting, with their state: a
// member that blocks while running is named there. A member dropped
// without Leave is named leaked once the garbage collector has found it.
//
// For a member joined with [Isolator.JoinNamed], a stall report shows
// where its goroutine waits: the wait reason ("chan receive", "IO wait",
// "sync.Mutex.Lock") and the top frames.
//
// A member that asks through the Isolator (Isolate, IsolateFull,
// Synchronize), or joins again inside its own isolation, is the report's
// requester, and the report says that it waits for itself. The goroutine
// that joined it with Join or JoinNamed is recorded, cheaply, on amd64 and
// arm64 (named members are found on every port): a member joined idle, for
// callbacks on other goroutines, is found only if it is named.
//
// A stall that lasts is reported again, at intervals that double from
// StallAfter up to a minute, with the total wait. Members held back for
// longer than StallAfter by an isolation (ending a scope, or joining) are
// reported too, with who holds it.
//
// # Which calls may block
//
// Some calls wait for other goroutines (for an isolation to end, for
// members to become harmless or idle, for a grace period); the others
// never do, though they may take the Isolator's lock briefly:
//
//	may wait                          never waits
//	Join, JoinNamed                   JoinIdle, JoinIdleNamed, Leave
//	End of a Harmless or Idle scope   Harmless, Idle, End of a Busy scope
//	Busy, Poll                        TryIsolate, release funcs
//	Isolate, IsolateFull, ...Context  End of an IsolateScope
//	IsolateScope                      Defer, Isolated, Stats, Blockers
//	Do, Synchronize, ...Context,
//	Barrier, BarrierContext
//
// The End of a scope nested in another harmless or idle scope returns at
// once, and so does Poll while no isolation is in progress and no plain one
// is requested.
//
// # Memory model
//
// In the terminology of the Go memory model, number the isolations of an
// Isolator in the order they are granted (plain and full, by members and
// outsiders alike). Then:
//
//   - The call of the n'th isolation's release func (for IsolateScope, the
//     End of the Scope that holds it, not of one nested in its section)
//     is synchronized before the return of the n+1'th isolation.
//
//   - For each time a member starts running (the return of Join, of an End
//     that ends its last harmless or idle scope, of Busy when it makes an
//     idle or harmless member run, of Poll when it waited, and of a member's
//     ...Context request that gave up), there is an n such that the
//     release of the n'th isolation is synchronized before that return,
//     and the member's next entry into a harmless or idle scope, the End
//     of that Busy scope, its next isolation request, or its Leave, is
//     synchronized before the return of the n+1'th isolation.
//
//   - A call of Do runs its func in an isolation, numbered with the
//     others (funcs combined into one isolation run in the order of their
//     calls): the call of Do is synchronized before its func starts, and
//     the func's return before Do returns.
//
//   - For each grace period (a Synchronize, a SynchronizeContext that
//     returns nil, or the one that a deferred func waits for) and each member
//     that was joined when it began: if the member was idle then, its last
//     entry into idle before that (the start of an Idle scope, of a full
//     isolation request's wait, the End of a Busy scope that makes it idle
//     again, or its Leave) is synchronized before the grace period's end;
//     otherwise its first such entry after it is. The
//     end of a grace period is the return of Synchronize, or the start of
//     the deferred funcs that waited for it.
//
//   - A call of Defer is synchronized before its func starts, and each
//     deferred func's return (or its runtime.Goexit) before the next one's
//     start and before the return of each Barrier or BarrierContext that
//     waits for it (one that began after that func's Defer returned).
//
// So what a member wrote before it became harmless is visible inside the
// isolated sections that run meanwhile, and what an isolated section wrote
// is visible to the members once they run again, and to the next section;
// and what a member did with an object before it became idle (reading it,
// most often) happens before the writer reuses the object after a grace
// period. A TryIsolate that reports false, and an IsolateContext,
// IsolateFullContext, SynchronizeContext or BarrierContext that returns an
// error, establish no synchronizes-before edge, as a sync.Mutex.TryLock
// that fails does not; neither do Poll when nothing is requested,
// Isolated, Stats, Blockers or stall reports; nor does a grace period with
// a member that joins after it began (that member loads what the writer
// published before the grace period, by the atomic it loads it with). The
// race detector sees these edges.
//
// # When to use something else
//
// sync.RWMutex takes a shared lock around each read and makes every reader
// write one shared counter: simpler when readers are few or reads are long.
// An atomic.Pointer to an immutable copy is cheapest for read-only data that
// changes rarely and is small enough to copy on every change. isolate fits
// the case in between: many goroutines that touch a large, mutable
// structure all the time and block often (event loops, connection
// handlers), with rare changes or inspections that need it still. Grace
// periods widen the atomic.Pointer case: the copy may be large and change
// more often, since its old versions are reused after a grace period
// instead of being left to the garbage collector.
package isolate
