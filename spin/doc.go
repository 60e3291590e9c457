// Package spin paces goroutines that wait for a condition by polling:
// spin briefly, then yield the processor, then block.
//
// Blocking (on a channel, a sync.Cond, a semaphore) costs the waiter a trip
// through the scheduler, and often costs the goroutine that wakes it a
// system call to wake an idle thread. When the wait is likely to be short
// and the goroutine that ends it is running on another processor, polling
// for a while first is cheaper. [Backoff] decides how long: a few rounds of
// spin-wait hints (see package [github.com/isolatekit/isolate/arch]),
// each twice as long as the one before, then a few calls to
// [runtime.Gosched], and then it tells the caller to block. It carries no
// condition and no way to block: the caller polls its own state and parks
// in its own way.
//
// Spinning helps only if the goroutine being waited for can run at the
// same time. When [CanSpin] reports false (GOMAXPROCS is 1, or the machine
// has one processor) a waiter should block at once.
//
// The package offers no spin lock: a test-and-set lock built on Backoff
// lost to [sync.Mutex] in most contended benchmarks, by up to a factor of
// three, and where it won, it won by less than 10 ns.
//
// # Tuning
//
// [SpinLimit] and [YieldLimit] were chosen by measurement on the
// development machine (2 vCPUs of an AMD EPYC under KVM, Go 1.26), where
// one PAUSE takes about 31 ns; the numbers below come from
//
//	go test -run '^$' -bench . -count 3 ./spin
//
// With SpinLimit = 6 the spin phase issues 1+2+...+64 = 127 hints: about
// 4 µs here and about 5 µs on Intel processors since Skylake (140 cycles
// per PAUSE), close to sync.Mutex's own spinning (four rounds of 30). The
// longest round, 64 hints, took 1.9 µs; since a spinning waiter looks at
// its condition only between rounds, a longer round would delay it by as
// much, and Backoff.Spin, used between retries of a contended atomic
// operation, would sit out up to that long. Limits of 7 or 8 let Snooze
// cover waits of 5 or 10 µs, but rounds of 4 or 8 µs each; a limit of 5
// covered waits up to 2 µs only.
//
// With YieldLimit = 10 Snooze then yields four times. A yield took about
// 150 ns when nothing else was runnable; its use is to let another
// goroutine run when this processor has a queue, perhaps the very one the
// waiter waits for. More yields would lengthen the wait only slowly, and
// each one takes the scheduler's global run-queue lock, which every
// yielding waiter in the program contends for.
//
// A whole wait, from a zero Backoff until Snooze reports false, took about
// 5 µs. In BenchmarkWake, where the goroutine that opens the gate goes on
// running afterwards, a waiter with a Backoff saw an event that came
// within 3 µs at most 1.2 µs late, where blocking at once cost 62 to 77 µs
// of latency and 8 to 16 µs of processor time per wake: on this virtual
// machine an idle processor is slow to wake. A waiter that
// exhausted its Backoff (a 10 µs wait) paid the blocking cost in full on
// top of its spinning.
package spin
