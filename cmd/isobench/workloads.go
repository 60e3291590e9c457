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
	// reads (per event) and batch (events per batch) are the defaults.
	reads, batch int
	// outsider tells whether the admin is a goroutine of its own; if not,
	// member 0's loop does the admin's work.
	outsider bool
	// waits, sleeps and upgrades tell whether the workload uses -wait,
	// -sleep and -upgrade-every.
	waits, sleeps, upgrades bool
	start                   func(r *run) running
}

// workloads lists the workloads in the order they run and print.
var workloads = []workload{
	{name: "queue", members: twice, reads: 32, batch: 1, outsider: true, start: startQueue,
		doc: "one producer feeds every member through one shared channel"},
	{name: "eventloop", members: perProc, reads: 4, batch: 16, waits: true, start: startEventLoop,
		doc: "the seed's loop: each member waits on its own event source, then processes a batch"},
	{name: "perrequest", members: fixed(64), reads: 16, batch: 1, outsider: true, start: startPerRequest,
		doc: "a goroutine per request, as net/http runs: join, read the request, read the table, leave"},
	{name: "oversubscribed", members: fixed(1000), reads: 4, batch: 16, outsider: true, sleeps: true,
		start: startOversubscribed,
		doc:   "many more members than processors, each asleep most of the time"},
	{name: "upgrade", members: perProc, reads: 4, batch: 16, waits: true, upgrades: true, start: startUpgrade,
		doc: "the event loop, with members that sometimes change the table themselves"},
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
