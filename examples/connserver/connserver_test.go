package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: the
// server's, the clients' and the Isolator's must all be gone.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// A loadSpec bounds the load of one phase: clients each send up to
// requests session updates, and stop early once budget has passed.
type loadSpec struct {
	clients, requests int
	budget            time.Duration
}

// loadFor returns the load for this run: 16 clients normally, less with
// -short. The budget caps each of the test's four phases, so that the test
// takes at most about 15 s however slow the machine (under -race on two
// busy cores, the phases reach it).
func loadFor() loadSpec {
	if testing.Short() {
		return loadSpec{clients: 4, requests: 50, budget: time.Second}
	}
	return loadSpec{clients: 16, requests: 400, budget: 3500 * time.Millisecond}
}

// TestServerUnderLoad drives the server in each lock mode with concurrent
// clients, first alone, then while an admin client dumps, rebuilds and
// inspects the table, and checks every reply, every dump's consistency,
// the exclusive-section count and a clean shutdown.
func TestServerUnderLoad(t *testing.T) {
	for _, mode := range []string{modeIsolate, modeRWMutex} {
		t.Run(mode, func(t *testing.T) { testUnderLoad(t, mode, loadFor()) })
	}
}

func testUnderLoad(t *testing.T, mode string, spec loadSpec) {
	sink := &logSink{t: t}
	defer sink.close()
	srv, err := newServer(mode, slog.New(slog.NewTextHandler(sink, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	tr := &http.Transport{MaxIdleConnsPerHost: spec.clients + 2}
	c := &client{base: "http://" + ln.Addr().String(), http: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	sessions := make([]*clientSession, spec.clients)
	for i := range sessions {
		sessions[i] = &clientSession{id: fmt.Sprintf("client-%02d", i)}
	}

	// Warm up unmeasured: connect every client and register its session.
	warm := spec
	warm.requests = min(spec.requests, 8)
	runPhase(t, c, sessions, warm, false)

	plain := runPhase(t, c, sessions, spec, false)
	t.Logf("%-7s without admin: %s", mode, plain)
	t.Logf("%-7s guard: %s", mode, c.debug())
	busy := runPhase(t, c, sessions, spec, true)
	t.Logf("%-7s with admin:    %s", mode, busy)
	t.Logf("%-7s guard: %s", mode, c.debug())

	// The final dump must account for every request the clients made.
	var want totalsView
	want.Sessions = len(sessions)
	for _, s := range sessions {
		want.Requests += s.posts
		want.BytesIn += s.bytesIn
		want.BytesOut += s.bytesOut
	}
	d, err := c.dump()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.check(); err != nil {
		t.Error(err)
	}
	if d.Totals != want {
		t.Errorf("final dump totals %+v, clients counted %+v", d.Totals, want)
	}
	checkExclusive(t, c, mode, len(sessions)+busy.dumps+busy.resizes+1)

	tr.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve returned %v, want http.ErrServerClosed", err)
	}
}

// checkExclusive checks that the guard granted exactly want exclusive
// sections (one per new session, dump and resize) and, for isolate, that
// every request left.
func checkExclusive(t *testing.T, c *client, mode string, want int) {
	t.Helper()
	body, err := c.get("/debug/isolate")
	if err != nil {
		t.Fatal(err)
	}
	switch mode {
	case modeIsolate:
		var st isolateDebug
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if st.Isolations != uint64(want) || st.Members != 0 || st.Leaked != 0 || st.Requests != 0 || st.Held != 0 {
			t.Errorf("isolate stats %+v: want %d isolations, no member left", st, want)
		}
	case modeRWMutex:
		var st rwmutexDebug
		if err := json.Unmarshal(body, &st); err != nil {
			t.Fatal(err)
		}
		if st.Exclusive != uint64(want) {
			t.Errorf("rwmutex: %d write sections, want %d", st.Exclusive, want)
		}
	}
}

// phaseResult is what one phase measured.
type phaseResult struct {
	requests        int
	elapsed         time.Duration
	p50, p99        time.Duration
	dumps, resizes  int
	stats           int
	budgetExhausted bool
}

func (r phaseResult) String() string {
	s := fmt.Sprintf("%5d requests in %v: %6.0f req/s, p50 %v, p99 %v",
		r.requests, r.elapsed.Round(time.Millisecond), float64(r.requests)/r.elapsed.Seconds(),
		r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond))
	if r.dumps+r.resizes+r.stats > 0 {
		s += fmt.Sprintf(" (during %d dumps, %d resizes, %d stats)", r.dumps, r.resizes, r.stats)
	}
	if r.budgetExhausted {
		s += " (time budget reached)"
	}
	return s
}

// runPhase runs spec's clients to completion, with an admin client hitting
// the dump, resize and stats endpoints meanwhile if admin is set.
func runPhase(t *testing.T, c *client, sessions []*clientSession, spec loadSpec, admin bool) phaseResult {
	t.Helper()
	var res phaseResult
	start := time.Now()
	deadline := start.Add(spec.budget)
	latencies := make([][]time.Duration, len(sessions))
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			latencies[i] = s.run(t, c, spec.requests, deadline)
		}()
	}
	clientsDone := make(chan struct{})
	adminDone := make(chan struct{})
	go func() {
		defer close(adminDone)
		if admin {
			res.dumps, res.resizes, res.stats = adminLoop(t, c, clientsDone)
		}
	}()
	wg.Wait()
	res.elapsed = time.Since(start)
	close(clientsDone)
	<-adminDone

	all := slices.Concat(latencies...)
	slices.Sort(all)
	res.requests = len(all)
	res.p50, res.p99 = quantile(all, 0.50), quantile(all, 0.99)
	res.budgetExhausted = time.Now().After(deadline)
	return res
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[max(int(math.Ceil(q*float64(len(sorted))))-1, 0)]
}

// adminLoop dumps, resizes and reads stats in turn until done is closed,
// checking every dump, and returns how many of each it did. It pauses a
// millisecond between calls: an admin, not a second load.
func adminLoop(t *testing.T, c *client, done <-chan struct{}) (dumps, resizes, stats int) {
	capacities := []string{"8", "64", "1024", ""}
	var lastRequests uint64
	for i := 0; ; i++ {
		select {
		case <-done:
			return
		case <-time.After(time.Millisecond):
		}
		switch i % 3 {
		case 0:
			d, err := c.dump()
			if err != nil {
				t.Error(err)
				return
			}
			if err := d.check(); err != nil {
				t.Error(err)
			}
			if d.Totals.Requests < lastRequests {
				t.Errorf("dump: %d requests after %d", d.Totals.Requests, lastRequests)
			}
			lastRequests = d.Totals.Requests
			dumps++
		case 1:
			body, err := c.post("/admin/resize?capacity="+capacities[resizes%len(capacities)], nil)
			if err != nil {
				t.Error(err)
				return
			}
			var r resizeResult
			if err := json.Unmarshal(body, &r); err != nil || r.Capacity < r.Sessions {
				t.Errorf("resize: %+v, %v", r, err)
			}
			resizes++
		case 2:
			if _, err := c.get("/debug/isolate"); err != nil {
				t.Error(err)
				return
			}
			stats++
		}
	}
}

// check reports whether a dump is internally consistent: the sessions'
// counters sum to the totals taken at the same instant.
func (d *dump) check() error {
	var sum totalsView
	sum.Sessions = len(d.Sessions)
	for i, s := range d.Sessions {
		if i > 0 && d.Sessions[i-1].ID >= s.ID {
			return fmt.Errorf("dump: sessions out of order at %q", s.ID)
		}
		sum.Requests += s.Requests
		sum.BytesIn += s.BytesIn
		sum.BytesOut += s.BytesOut
	}
	if sum != d.Totals {
		return fmt.Errorf("inconsistent dump: sessions sum to %+v, totals say %+v", sum, d.Totals)
	}
	if d.Capacity < len(d.Sessions) {
		return fmt.Errorf("dump: capacity %d below %d sessions", d.Capacity, len(d.Sessions))
	}
	return nil
}

// clientSession is one load client: it alone updates its session, so it
// knows exactly what the server must have counted.
type clientSession struct {
	id                string
	posts             uint64
	bytesIn, bytesOut uint64
}

// run sends up to n session updates, with a lookup after every eighth,
// until deadline, checks each reply against its own count, and returns
// each call's latency. It stops at the first error.
func (s *clientSession) run(t *testing.T, c *client, n int, deadline time.Time) []time.Duration {
	lat := make([]time.Duration, 0, n+n/8)
	payload := bytes.Repeat([]byte("x"), 600)
	for i := 0; i < n && time.Now().Before(deadline); i++ {
		size := 16 + (len(s.id)*31+i*37)%512
		t0 := time.Now()
		body, err := c.post("/session/"+s.id, payload[:size])
		lat = append(lat, time.Since(t0))
		if err != nil {
			t.Error(err)
			return lat
		}
		s.posts++
		s.bytesIn += uint64(size)
		if err := s.expect(body, s.bytesOut); err != nil {
			t.Error(err)
			return lat
		}
		s.bytesOut += uint64(len(body))

		if i%8 == 7 {
			t0 = time.Now()
			body, err = c.get("/session/" + s.id)
			lat = append(lat, time.Since(t0))
			if err == nil {
				err = s.expect(body, s.bytesOut)
			}
			if err != nil {
				t.Error(err)
				return lat
			}
		}
	}
	return lat
}

// expect checks a session's counters as the server replied them.
func (s *clientSession) expect(body []byte, bytesOut uint64) error {
	var v sessionView
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("session %s: %v in %q", s.id, err, body)
	}
	want := sessionView{ID: s.id, Requests: s.posts, BytesIn: s.bytesIn, BytesOut: bytesOut, LastSeen: v.LastSeen}
	if v != want {
		return fmt.Errorf("session %s: server says %+v, want %+v", s.id, v, want)
	}
	return nil
}

// client calls the server's API.
type client struct {
	base string
	http *http.Client
}

func (c *client) get(path string) ([]byte, error) {
	return c.do(http.MethodGet, path, nil)
}

func (c *client) post(path string, body []byte) ([]byte, error) {
	return c.do(http.MethodPost, path, body)
}

// debug returns GET /debug/isolate's reply, or the error, as text.
func (c *client) debug() string {
	body, err := c.get("/debug/isolate")
	if err != nil {
		return err.Error()
	}
	return string(bytes.TrimSpace(body))
}

// dump fetches GET /debug/conns.
func (c *client) dump() (*dump, error) {
	body, err := c.get("/debug/conns")
	if err != nil {
		return nil, err
	}
	d := new(dump)
	if err := json.Unmarshal(body, d); err != nil {
		return nil, fmt.Errorf("dump: %v", err)
	}
	return d, nil
}

// do makes one call and returns the reply's body, or an error unless the
// status is 200 OK. It reads the body to the end so that the connection is
// reused.
func (c *client) do(method, path string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, reply)
	}
	return reply, nil
}

// logSink fails the test on anything the server logs (warnings and errors
// only reach it: a stalled isolation, an HTTP server error). After close it
// drops what it gets, so that a late log line cannot outlive the test.
type logSink struct {
	mu     sync.Mutex
	t      *testing.T
	closed bool
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.t.Errorf("server logged: %s", p)
	}
	return len(p), nil
}

func (s *logSink) close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
}
