package main

import "time"

// Runs are split into rounds in which the implementations take turns, so
// that a change in the machine's load (this is for shared, noisy machines
// too) affects every implementation alike rather than the one that ran at
// the time.

// round returns the runs of one round, in the order they run: every
// GOMAXPROCS, workload, number of members (-members, or the workload's
// defaults), -reads value and implementation that runs the workload, each
// run the whole duration.
func (c config) round() []params {
	var ps []params
	for _, procs := range c.cpus {
		for _, name := range c.workloads {
			w := workloadNamed(name)
			reads := c.reads
			if reads == nil {
				reads = []int{w.reads}
			}
			members := []int{c.members}
			if c.members == 0 {
				members = append([]int{w.members(procs)}, w.moreMembers...)
			}
			for _, n := range members {
				for _, k := range reads {
					for _, impl := range c.impls {
						if implementationNamed(impl).runs(w) {
							ps = append(ps, c.params(w, impl, procs, n, k))
						}
					}
				}
			}
		}
	}
	return ps
}

// params returns the parameters of workload w's run under impl with
// members members.
func (c config) params(w workload, impl string, procs, members, reads int) params {
	p := params{
		workload:     w.name,
		impl:         impl,
		procs:        procs,
		members:      members,
		reads:        reads,
		batch:        c.batch,
		wait:         c.wait,
		adminEvery:   c.adminEvery,
		duration:     c.duration,
		sleep:        c.sleep,
		upgradeEvery: c.upgradeEvery,
	}
	if p.batch == 0 {
		p.batch = w.batch
	}
	// Say only what the workload uses, so that reports and comparisons
	// ignore the rest.
	if !w.sleeps {
		p.sleep = 0
	}
	if !w.upgrades {
		p.upgradeEvery = 0
	}
	if !w.waits {
		p.wait = ""
	}
	return p
}

// runs returns the number of runs in a round.
func (c config) runs() int { return len(c.round()) }

// schedule returns the runs that c asks for, in the order they run: round
// after round, each run 1/rounds of the duration.
func schedule(c config) []params {
	one := c.round()
	var ps []params
	for range c.rounds {
		for _, p := range one {
			p.duration = c.duration / time.Duration(c.rounds)
			ps = append(ps, p)
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
	acc.perRound = append(acc.perRound, b.perRound...)
	acc.rounds = append(acc.rounds, b.rounds...)
	acc.samples = append(acc.samples, b.samples...)
	acc.cpu += b.cpu
	acc.cpuOK = acc.cpuOK && b.cpuOK
	acc.torn += b.torn
	return acc
}
