#!/usr/bin/env bash
# Drives respserver with redis-benchmark (apt-get install redis-tools), as
# issue 18's acceptance asks: 50 connections pipelining 16 commands, SETs
# then GETs over 100,000 random keys, in alternating rounds of each lock
# mode (a fresh server per mode and round), on 127.0.0.1 only. Prints one
# line per round, mode and command (requests/s from redis-benchmark, the
# server's CPU microseconds per request from its INFO before and after),
# then the medians and each mode's median ratio to rwmutex in the same
# round.
#
#   bash examples/respserver/bench.sh
#   ROUNDS=7 N=1000000 MODES="isolate isolate-do rwmutex" bash examples/respserver/bench.sh
#
# Server and client share the machine's processors: keep it otherwise
# idle, and say how many cores it has with any number you quote.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-5}
N=${N:-500000}
CONNS=${CONNS:-50}
PIPELINE=${PIPELINE:-16}
MODES=${MODES:-"isolate rwmutex"}
PORT=${PORT:-6390}
bin=$(mktemp -d)/respserver
go build -o "$bin" .

field() { redis-cli -p "$PORT" INFO | tr -d '\r' | awk -F: -v k="$1" '$1 == k {print $2}'; }

raw=$(mktemp)
echo "round mode command req/s cpu_us/req"
for round in $(seq "$ROUNDS"); do
	for mode in $MODES; do
		"$bin" -addr "127.0.0.1:$PORT" -lock "$mode" 2>/dev/null &
		pid=$!
		until redis-cli -p "$PORT" PING >/dev/null 2>&1; do sleep 0.05; done
		for test in set get; do
			r0=$(field requests) c0=$(field cpu_us)
			rps=$(redis-benchmark -h 127.0.0.1 -p "$PORT" -c "$CONNS" -P "$PIPELINE" -n "$N" -r 100000 -t "$test" --csv |
				awk -F'"' 'NR == 2 {print $4}')
			r1=$(field requests) c1=$(field cpu_us)
			echo "$round $mode $test $rps $(awk -v c="$((c1 - c0))" -v r="$((r1 - r0))" 'BEGIN {printf "%.3f", c / r}')"
		done
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	done
done | tee "$raw"
awk '
	{ rps[$2" "$3] = rps[$2" "$3] " " $4; cpu[$2" "$3] = cpu[$2" "$3] " " $5
	  r[$1" "$2" "$3] = $4; c[$1" "$2" "$3] = $5; rounds[$1] = 1; modes[$2] = 1; tests[$3] = 1 }
	function median(s,   a, n, i, j, t) {
		n = split(s, a, " ")
		for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	END {
		print "\nmedians; ratios to rwmutex are medians of the per-round ratios"
		printf "%-11s %-4s %12s %11s %14s %14s\n", "mode", "cmd", "req/s", "cpu_us/req", "req/s vs rw", "cpu/req vs rw"
		for (m in modes) for (t in tests) {
			rr = ""; cr = ""
			for (k in rounds) if ((k" rwmutex "t) in r) { rr = rr " " r[k" "m" "t] / r[k" rwmutex "t]; cr = cr " " c[k" "m" "t] / c[k" rwmutex "t] }
			printf "%-11s %-4s %12.0f %11.3f %13.2fx %13.2fx\n", m, t, median(rps[m" "t]), median(cpu[m" "t]), median(rr), median(cr)
		}
	}' "$raw"
