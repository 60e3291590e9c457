package main

import "time"

// A workload is one way members use the table. Each runs under every
// implementation that can run it; the admin changes or dumps the table
// every -admin-every in all of them.
type workload struct {
	name string
	// doc says what the workload does, in a line.
	doc string
	// members returns the default number of members at GOMAXPROCS procs.
	members func(procs int) int
	// moreMembers are further default numbers of members, each run
	// after the first.
	moreMembers []int
	// reads (per event) and batch (events per batch) are the defaults.
	reads, batch int
	// outsider tells whether the admin is a goroutine of its own; if not,
	// member 0's loop does the admin's work.
	outsider bool
	// waits, sleeps and upgrades tell whether the workload uses -wait,
	// -sleep and -upgrade-every.
	waits, sleeps, upgrades bool
	// impls, if not nil, are the implementations that run the workload;
	// nil means every one that is not extra and can.
	impls []string
	// goals are what isolate should reach against its peers here.
	goals []goal
	start func(r *run) running
}

// workloads lists the workloads in the order they run and print.
var workloads = []workload{
	{name: "queue", members: twice, reads: 32, batch: 1, outsider: true, start: startQueue,
		doc: "one producer feeds every member through one shared channel"},
	{name: "eventloop", members: perProc, reads: 4, batch: 16, waits: true, start: startEventLoop,
		doc: "the seed's loop: each member waits on its own event source, then processes a batch"},
	{name: "perrequest", members: fixed(64), reads: 16, batch: 1, outsider: true, start: startPerRequest,
		doc: "a goroutine per request, as net/http runs: join, read the request, read the table, leave"},
	{name: "oversubscribed", members: fixed(1000), moreMembers: []int{10000}, reads: 4, batch: 16, outsider: true,
		sleeps: true, start: startOversubscribed,
		goals: []goal{{impl: "isolate", of: adminP99, most: 3, peer: "rwmutex"}},
		doc:   "many more members than processors, each asleep most of the time"},
	{name: "upgrade", members: perProc, reads: 4, batch: 16, waits: true, upgrades: true, start: startUpgrade,
		doc: "the event loop, with members that sometimes change the table themselves"},
	{name: "writeheavy", members: twice, reads: 4, batch: 1, outsider: true, waits: true, start: startWriteHeavy,
		impls: []string{"isolate", "isolate-do", "rwmutex", "mutex"},
		goals: []goal{
			{impl: "isolate", of: jobsPerSec, least: 0.7, peer: "rwmutex"},
			{impl: "isolate", of: cpuPerJob, most: 1.5, peer: "rwmutex"},
			{impl: "isolate-do", of: jobsPerSec, least: 1.5, peer: "rwmutex"},
		},
		doc: "a server whose every request writes the table: each event reads it, then writes one record"},
	{name: "saturated", members: fixed(4), reads: 16, batch: 1, start: startSaturated,
		impls: []string{"isolate", "rwmutex"},
		goals: []goal{
			{impl: "isolate", of: adminPerSec, least: 0.5, peer: "rwmutex"},
			{impl: "isolate", of: adminP50, most: 2, peer: "rwmutex"},
			{impl: "isolate", of: adminP99, most: 2, peer: "rwmutex"},
			{impl: "isolate", of: jobsPerSec, least: 0.95, peer: "rwmutex"},
		},
		doc: "a worker pool fed by a channel, always behind; the admin rewrites a map and publishes a config"},
}

func twice(procs int) int   { return 2 * procs }
func perProc(procs int) int { return procs }
func fixed(n int) func(int) int {
	return func(int) int { return n }
}

func (w workload) id() string { return w.name }

func workloadNames() []string { return names(workloads) }

// workloadNamed returns the workload called name.
func workloadNamed(name string) workload { return named(workloads, name) }

// Defaults of the workloads' own flags.
const (
	defaultSleep        = 10 * time.Millisecond
	defaultUpgradeEvery = 1000
	// clockEvery is how many batches a polling member with the admin's
	// duty handles between two looks at the clock.
	clockEvery = 64
)
