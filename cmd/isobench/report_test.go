package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func sampleMeasurements() []measurement {
	m := func(impl string, procs int, jobs uint64, p99 time.Duration, cpu time.Duration) measurement {
		return measurement{
			params:  params{impl: impl, procs: procs, members: 2 * procs, reads: 32, adminEvery: time.Millisecond},
			elapsed: time.Second,
			jobs:    jobs,
			samples: adminSamples(p99),
			cpu:     cpu,
			cpuOK:   true,
		}
	}
	return []measurement{
		m("isolate", 1, 2_000_000, 10*time.Microsecond, time.Second),
		m("rwmutex", 1, 1_000_000, 40*time.Microsecond, time.Second),
		m("isolate", 2, 4_000_000, 20*time.Microsecond, 2*time.Second),
		m("cow", 2, 8_000_000, 10*time.Microsecond, 2*time.Second),
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

func TestResultsRatios(t *testing.T) {
	rs := results(sampleMeasurements())
	near := func(p *float64, want float64) bool { return p != nil && *p > want-1e-9 && *p < want+1e-9 }
	// rwmutex at 1: half the jobs, 4× the p99, twice the CPU per job.
	if r := rs[1]; !near(r.JobsRatio, 0.5) || !near(r.AdminP99Ratio, 4) || !near(r.CPURatio, 2) {
		t.Errorf("rwmutex ratios: %v %v %v", *r.JobsRatio, *r.AdminP99Ratio, *r.CPURatio)
	}
	// Ratios compare with isolate at the same GOMAXPROCS.
	if r := rs[3]; !near(r.JobsRatio, 2) || !near(r.AdminP99Ratio, 0.5) || !near(r.CPURatio, 0.5) {
		t.Errorf("cow ratios: %v %v %v", *r.JobsRatio, *r.AdminP99Ratio, *r.CPURatio)
	}
	if r := rs[0]; !near(r.CPUPerMJobs, 0.5) || r.JobsPerSec != 2e6 || r.AdminPerSec != 1000 {
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
	if err := writeTable(&tb, []result{r}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tb.String(), " -") {
		t.Errorf("missing values are not shown as -:\n%s", tb.String())
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := writeTable(&b, results(sampleMeasurements())); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"GOMAXPROCS=1 members=2 reads=32 admin-every=1ms",
		"GOMAXPROCS=2 members=4",
		"jobs/s", "admin p50", "CPU s/Mjobs",
		"2.00M", "0.50×", "4.00×", "40µs",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 9 {
		t.Errorf("table has %d lines, want 9:\n%s", lines, out)
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
	if len(back) != 4 || back[1]["impl"] != "rwmutex" || back[1]["jobs_ratio"] != 0.5 || back[0]["admin_p99_us"] != 10.0 {
		t.Errorf("unexpected JSON:\n%s", b.String())
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
