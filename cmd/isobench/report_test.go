package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// sampleMeasurements are two workloads' runs: at GOMAXPROCS 1 and 2 for
// eventloop, and at 2 for perrequest, where isolate is slower.
func sampleMeasurements() []measurement {
	m := func(workload, impl string, procs int, jobs uint64, p99, cpu time.Duration) measurement {
		return measurement{
			params: params{workload: workload, impl: impl, procs: procs, members: procs, reads: 4, batch: 16,
				wait: waitPoll, adminEvery: time.Millisecond, duration: 1200 * time.Millisecond},
			elapsed: time.Second,
			jobs:    jobs,
			samples: adminSamples(p99),
			cpu:     cpu,
			cpuOK:   true,
		}
	}
	return []measurement{
		m("eventloop", "isolate", 1, 2_000_000, 10*time.Microsecond, time.Second),
		m("eventloop", "rwmutex", 1, 1_000_000, 40*time.Microsecond, time.Second),
		m("eventloop", "isolate", 2, 4_000_000, 20*time.Microsecond, 2*time.Second),
		m("eventloop", "cow", 2, 8_000_000, 10*time.Microsecond, 2*time.Second),
		m("perrequest", "isolate", 2, 100_000, 20*time.Microsecond, time.Second),
		m("perrequest", "rwmutex", 2, 300_000, 20*time.Microsecond, time.Second),
	}
}

// adminSamples returns 1000 latencies whose p50 is p99/2, whose p99 is
// p99 and whose maximum is 2×p99.
func adminSamples(p99 time.Duration) []time.Duration {
	s := make([]time.Duration, 1000)
	for i := range s {
		switch {
		case i < 400:
			s[i] = p99 / 4
		case i < 900:
			s[i] = p99 / 2
		case i < 999:
			s[i] = p99
		default:
			s[i] = 2 * p99
		}
	}
	return s
}

func near(p *float64, want float64) bool { return p != nil && *p > want-1e-9 && *p < want+1e-9 }

// Ratios compare with isolate with the same workload and settings only.
func TestResultsRatios(t *testing.T) {
	rs := results(sampleMeasurements())
	// rwmutex at 1: half the jobs, 4× the p99, twice the CPU per job.
	if r := rs[1]; !near(r.JobsRatio, 0.5) || !near(r.AdminP99Ratio, 4) || !near(r.CPURatio, 2) {
		t.Errorf("rwmutex ratios: %+v", r)
	}
	if r := rs[3]; !near(r.JobsRatio, 2) || !near(r.AdminP99Ratio, 0.5) || !near(r.CPURatio, 0.5) {
		t.Errorf("cow ratios: %+v", r)
	}
	// perrequest's rwmutex compares with perrequest's isolate, not
	// eventloop's at the same GOMAXPROCS.
	if r := rs[5]; !near(r.JobsRatio, 3) || !near(r.CPURatio, 1.0/3) {
		t.Errorf("perrequest rwmutex ratios: %+v", r)
	}
	if r := rs[0]; !near(r.CPUPerMJobs, 0.5) || r.JobsPerSec != 2e6 || r.AdminPerSec != 1000 || r.Warning != "" {
		t.Errorf("isolate at 1: %+v", r)
	}
}

func TestResultsWithoutIsolateOrCPU(t *testing.T) {
	ms := sampleMeasurements()[1:2]
	ms[0].cpuOK = false
	r := results(ms)[0]
	if r.JobsRatio != nil || r.CPUPerMJobs != nil || r.CPURatio != nil {
		t.Errorf("ratios without isolate, or CPU without cputime: %+v", r)
	}
	var tb bytes.Buffer
	if err := writeTables(&tb, []result{r}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.String(), " -") {
		t.Errorf("missing values are not shown as -:\n%s", tb.String())
	}
}

// One table per workload and settings, each with a header that says
// what ran; then the legend, which names the peers.
func TestWriteTables(t *testing.T) {
	var b bytes.Buffer
	if err := writeTables(&b, results(sampleMeasurements())); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"eventloop: " + workloadNamed("eventloop").doc,
		"GOMAXPROCS=1 members=1 reads=4 batch=16 wait=poll admin-every=1ms measured=1.0s",
		"perrequest: ",
		"jobs/s", "admin p50", "CPU s/Mjobs",
		"2.00M", "0.50×", "4.00×", "40µs", "3.00×",
		"sync.RWMutex", "copy-on-write",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("tables lack %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "  impl "); n != 3 {
		t.Errorf("%d tables, want 3:\n%s", n, out)
	}
	if strings.Contains(out, "seedref") {
		t.Errorf("the legend names an implementation that did not run:\n%s", out)
	}
}

func TestWriteTablesMarksTornRows(t *testing.T) {
	ms := sampleMeasurements()[:2]
	ms[1].torn = 3
	var b bytes.Buffer
	if err := writeTables(&b, results(ms)); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "BROKEN: 3 torn reads") {
		t.Errorf("a torn row is not marked:\n%s", b.String())
	}
}

func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := writeJSON(&b, results(sampleMeasurements())); err != nil {
		t.Fatal(err)
	}
	var back []map[string]any
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatalf("%v:\n%s", err, b.String())
	}
	if len(back) != 6 || back[1]["impl"] != "rwmutex" || back[1]["workload"] != "eventloop" ||
		back[4]["workload"] != "perrequest" || back[1]["jobs_ratio"] != 0.5 || back[0]["admin_p99_us"] != 10.0 ||
		back[0]["wait"] != "poll" || back[0]["batch"] != 16.0 {
		t.Errorf("unexpected JSON:\n%s", b.String())
	}
	if _, ok := back[0]["sleep"]; ok {
		t.Errorf("a knob the workload does not use is in the JSON:\n%s", b.String())
	}
}

func TestFormats(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{si(999), "999"}, {si(12_345), "12.3k"}, {si(4_560_000), "4.56M"}, {si(2e9), "2.00G"},
		{us(1.25), "1.2µs"}, {us(47), "47µs"}, {us(1500), "1.5ms"}, {us(25000), "25ms"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// The range of a ratio over the rounds pairs each round with isolate's
// same round: a machine that slows down between rounds moves both alike.
func TestRoundRange(t *testing.T) {
	ms := sampleMeasurements()[:2]
	ms[0].perRound = []float64{100, 50, 200} // isolate
	ms[1].perRound = []float64{80, 50, 100}  // rwmutex: 0.8, 1.0, 0.5
	rs := results(ms)
	if r := rs[1]; !near(r.JobsRatioMin, 0.5) || !near(r.JobsRatioMax, 1) {
		t.Errorf("range %v to %v, want 0.5 to 1", *r.JobsRatioMin, *r.JobsRatioMax)
	}
	var b bytes.Buffer
	if err := writeTables(&b, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "0.50–1.00") || !strings.Contains(b.String(), "in a round") {
		t.Errorf("table lacks the range:\n%s", b.String())
	}
	// One round: no range.
	ms[0].perRound, ms[1].perRound = ms[0].perRound[:1], ms[1].perRound[:1]
	if r := results(ms)[1]; r.JobsRatioMin != nil || r.JobsRatioMax != nil {
		t.Errorf("a range from one round: %+v", r)
	}
}
