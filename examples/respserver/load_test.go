package main

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Load: connections pipeline SETs and GETs against each mode at once, as
// redis-benchmark does, bounded in count and time, while others connect,
// work and quit. Every reply is checked:
//
//   - a connection's own keys read back exactly what it last set;
//   - a key every connection sets reads back a whole value that one of
//     them set;
//   - at the end, DBSIZE counts every key, and INFO every request.
//
// Under -race the race detector checks the backends' happens-before
// edges: the map is plain.
const (
	loadConns    = 8
	loadRounds   = 150 // pipelines of loadPipeline SETs, then as many GETs
	loadPipeline = 16
	loadShared   = 4 // keys that every connection sets
	loadChurn    = 40
	loadBudget   = 3 * time.Second
)

func TestUnderLoad(t *testing.T) {
	for _, mode := range modes() {
		t.Run(mode, func(t *testing.T) {
			addr, srv, _ := start(t, mode)
			deadline := time.Now().Add(loadBudget)
			var wg sync.WaitGroup
			errs := make(chan error, loadConns+1)
			sent := make([]int, loadConns)
			for i := range loadConns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := loadConn(addr, i, deadline)
					sent[i] = n
					if err != nil {
						errs <- fmt.Errorf("connection %d: %w", i, err)
					}
				}()
			}
			wg.Add(1)
			churned := 0
			go func() {
				defer wg.Done()
				var err error
				churned, err = churn(addr, deadline)
				if err != nil {
					errs <- fmt.Errorf("churn: %w", err)
				}
			}()
			start := time.Now()
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			total := 0
			for _, n := range sent {
				total += n
			}
			t.Logf("%s: %d pipelined requests on %d connections, %d short connections, in %v",
				mode, total, loadConns, churned, time.Since(start).Round(time.Millisecond))

			c, err := dial(addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.nc.Close()
			got, err := c.do(cmd("DBSIZE"), cmd("INFO"))
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf(":%d", loadConns*loadPipeline+loadShared+1); got[0] != want {
				t.Errorf("DBSIZE %s, want %s (own keys, shared keys, the churn's key)", got[0], want)
			}
			// INFO counts the commands answered before it: DBSIZE's
			// flush with INFO's own may still be pending.
			served := srv.requests.Load()
			if min := uint64(total + 2*churned); served < min || !strings.Contains(got[1], "lock:"+mode) {
				t.Errorf("server counted %d requests, want at least %d; INFO %q", served, min, got[1])
			}
		})
	}
}

// loadConn runs one connection's rounds until they are done or the
// deadline passes (the first runs in any case: the final checks count
// every connection's keys), and returns the requests it made.
func loadConn(addr string, id int, deadline time.Time) (int, error) {
	c, err := dial(addr)
	if err != nil {
		return 0, err
	}
	defer c.nc.Close()
	sent := 0
	for round := 0; round < loadRounds && (round == 0 || time.Now().Before(deadline)); round++ {
		var sets, gets [][]string
		for k := range loadPipeline {
			sets = append(sets, cmd("SET", fmt.Sprintf("c%d:k%d", id, k), fmt.Sprintf("v%d:%d:%d", id, round, k)))
			gets = append(gets, cmd("GET", fmt.Sprintf("c%d:k%d", id, k)))
		}
		shared := fmt.Sprintf("shared:%d", round%loadShared)
		sets = append(sets, cmd("SET", shared, sharedValue(id, round)))
		gets = append(gets, cmd("GET", shared))
		replies, err := c.do(append(sets, gets...)...)
		if err != nil {
			return sent, err
		}
		sent += len(replies)
		for k, r := range replies[:len(sets)] {
			if r != "+OK" {
				return sent, fmt.Errorf("round %d: SET %d: %q", round, k, r)
			}
		}
		for k, r := range replies[len(sets) : len(sets)+loadPipeline] {
			if want := fmt.Sprintf("$v%d:%d:%d", id, round, k); r != want {
				return sent, fmt.Errorf("round %d: GET of own key %d: %q, want %q", round, k, r, want)
			}
		}
		if err := checkShared(replies[len(replies)-1]); err != nil {
			return sent, fmt.Errorf("round %d: GET %s: %w", round, shared, err)
		}
	}
	return sent, nil
}

// sharedValue is what connection id sets in round: long enough that a
// torn copy would show, and saying who wrote it.
func sharedValue(id, round int) string {
	return fmt.Sprintf("%03d:%05d:%s", id, round, strings.Repeat("x", 64))
}

// checkShared checks a GET of a shared key: a whole value, set by some
// connection.
func checkShared(r string) error {
	var id, at int
	if n, err := fmt.Sscanf(r, "$%03d:%05d:", &id, &at); n != 2 || err != nil {
		return fmt.Errorf("%q is no value any connection set", r)
	}
	if want := "$" + sharedValue(id, at); r != want || id >= loadConns {
		return fmt.Errorf("%q is not whole", r)
	}
	return nil
}

// churn connects, sets and reads a key, and quits, again and again (at
// least once): the open and close hooks under load.
func churn(addr string, deadline time.Time) (int, error) {
	n := 0
	for ; n < loadChurn && (n == 0 || time.Now().Before(deadline)); n++ {
		c, err := dial(addr)
		if err != nil {
			return n, err
		}
		v := fmt.Sprint("churn-", n)
		got, err := c.do(cmd("SET", "churn", v), cmd("GET", "churn"), cmd("QUIT"))
		c.nc.Close()
		if err != nil {
			return n, err
		}
		if got[0] != "+OK" || got[1] != "$"+v || got[2] != "+OK" {
			return n, fmt.Errorf("replies %q", got)
		}
	}
	return n, nil
}
