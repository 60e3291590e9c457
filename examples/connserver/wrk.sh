#!/usr/bin/env bash
# Compares the server's lock modes under a real load generator: wrk (a
# Debian package) runs load.lua against the server in isolate and in rwmutex
# mode, the two alternating, PAIRS times each, and the script prints each
# run's requests/s and p99 latency, then the median ratio isolate/rwmutex.
#
#   bash examples/connserver/wrk.sh            # from the repository root
#   PAIRS=5 SECONDS_EACH=8 bash examples/connserver/wrk.sh
#
# On a 2-vCPU machine the server and wrk share the processors: read the
# ratio, not the absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${PAIRS:-5}
secs=${SECONDS_EACH:-8}
port=${PORT:-18080}
command -v wrk >/dev/null || { echo "wrk.sh: wrk is required (apt-get install wrk)" >&2; exit 2; }
bin=$(mktemp -d)/connserver
trap 'rm -rf "$(dirname "$bin")"' EXIT
go build -o "$bin" ./examples/connserver

run() { # run MODE: prints "MODE req/s p99-ms"
	"$bin" -lock="$1" -addr "127.0.0.1:$port" 2>/dev/null &
	local pid=$!
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/debug/isolate" >/dev/null 2>&1 && break; sleep 0.1; done
	local out
	out=$(wrk -t2 -c16 -d"${secs}s" --latency -s examples/connserver/load.lua "http://127.0.0.1:$port")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	local rps p99
	rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
	p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; print v}' <<<"$out")
	echo "$1 $rps $p99"
}

results=()
for i in $(seq "$pairs"); do
	for mode in isolate rwmutex; do
		r=$(run "$mode")
		echo "pair $i: $r"
		results+=("$r")
	done
done
# Per pair: isolate's requests/s and p99 over rwmutex's; then the medians.
ratios=$(printf '%s\n' "${results[@]}" | awk '
	$1 == "isolate" {rps = $2; p99 = $3}
	$1 == "rwmutex" {printf "%.3f %.3f\n", rps / $2, p99 / $3}')
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)], v[1], v[NR]}'; }
read -r rmed rmin rmax < <(cut -d' ' -f1 <<<"$ratios" | median)
read -r pmed _ _ < <(cut -d' ' -f2 <<<"$ratios" | median)
echo "isolate/rwmutex requests/s: median ${rmed}x (min ${rmin}x, max ${rmax}x); p99 latency: median ${pmed}x"
