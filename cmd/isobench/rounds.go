package main

import "time"

// Runs are split into rounds in which the implementations take turns, so
// that a change in the machine's load (this is for shared, noisy machines
// too) affects every implementation alike rather than the one that ran at
// the time.

// schedule returns the runs that c asks for, in the order they run: round
// after round, each round every GOMAXPROCS and implementation once, each
// run 1/rounds of the duration.
func schedule(c config) []params {
	var ps []params
	for range c.rounds {
		for _, procs := range c.cpus {
			for _, impl := range c.impls {
				ps = append(ps, params{
					impl:       impl,
					procs:      procs,
					members:    c.membersAt(procs),
					reads:      c.reads,
					adminEvery: c.adminEvery,
					duration:   c.duration / time.Duration(c.rounds),
				})
			}
		}
	}
	return ps
}

// merge adds b, a later round of the run that acc accumulates, to acc. The
// zero measurement is an empty accumulator.
func merge(acc, b measurement) measurement {
	if acc.impl == "" {
		return b
	}
	acc.duration += b.duration
	acc.elapsed += b.elapsed
	acc.jobs += b.jobs
	acc.samples = append(acc.samples, b.samples...)
	acc.cpu += b.cpu
	acc.cpuOK = acc.cpuOK && b.cpuOK
	acc.torn += b.torn
	return acc
}
