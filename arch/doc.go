// Package arch provides the processor's spin-wait hint to Go code.
//
// A goroutine that polls shared memory in a loop, waiting for another
// goroutine to change it, should tell the processor so on every round.
// [Pause] issues one such hint and [PauseN] issues several in one call.
// The hint slows the loop down, which leaves the memory system and a
// sibling hardware thread more room, saves power, and avoids the pipeline
// flush that x86 processors otherwise take when the awaited store
// arrives. Spinning is worth it only when the wait is expected to be
// short and the goroutine that ends it runs on another processor; package
// [github.com/isolatekit/isolate/spin] builds a spin-then-yield policy on
// top of this one.
//
// For diagnostics, [G] tells goroutines apart and [CallerPCs] records where
// a call came from, cheaply, on amd64 and arm64 (elsewhere both return 0).
//
// # Instructions
//
//   - amd64: PAUSE.
//   - arm64: ISB SY. The architectural hint, YIELD, is a no-op on many
//     Arm cores, so (like the Go 1.26 runtime, Rust's spin_loop and
//     HAProxy's locks) Pause flushes the pipeline with an instruction
//     synchronisation barrier instead, which stalls the core briefly.
//   - Every other port: no instruction. Pause is then an empty function
//     that the compiler is told not to inline, so a call still costs a
//     few nanoseconds and a polling loop around it is not removed, but the
//     processor gets no hint.
//
// # Cost
//
// The hints take a processor-dependent time, and that time is the point:
// measure before choosing how many to issue. On the development machine,
// 2 vCPUs of an AMD EPYC under KVM (CPUID family 25 model 1, 2.45 GHz
// nominal) with Go 1.26, one PAUSE took about 31 ns, both as a call to
// Pause and per hint in PauseN(8) to PauseN(1024); PauseN(1) took about
// 34 ns, the difference being the extra call. Measured with
//
//	go test -run '^$' -bench . -count 3 ./arch
//
// Intel processors since Skylake take about 140 cycles per PAUSE, older
// ones about 10; Rust's measurements put ISB at about 13 ns on AWS
// Graviton2.
//
// # Preemption
//
// The Go runtime cannot preempt a goroutine inside an assembly loop. A
// single Pause is short, and PauseN returns to Go code, where preemption
// requests are honoured, after every 256 hints, so even a large n does
// not hold up the garbage collector or the scheduler for more than a
// few microseconds at a time.
package arch
