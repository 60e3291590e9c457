#!/usr/bin/env bash
# The scaling curve: isobench's event loop (and the oversubscribed and
# per-request workloads) at GOMAXPROCS 1, 2, 4, ... up to the machine's
# processors, for whoever has more than the two this project's machine has.
#
#   bash cmd/isobench/scaling.sh                 # about 8 minutes on 16 processors
#   CPUS=1,2,4,8 READS=1,16 bash cmd/isobench/scaling.sh
#
# It writes, in the directory it is run from, scaling-<host>.txt: a description of the machine, then the
# tables (one per workload, GOMAXPROCS and -reads, and a sweep over -reads
# for each), and scaling-<host>.json with every row. Keep the machine
# otherwise idle while it runs.
set -euo pipefail
here=$PWD
cd "$(dirname "$0")/../.."

n=$(getconf _NPROCESSORS_ONLN)
if [ -z "${CPUS:-}" ]; then
	CPUS=1
	for ((p = 2; p <= n; p *= 2)); do CPUS+=",$p"; done
	if ((n & (n - 1))); then CPUS+=",$n"; fi # n itself if not a power of two
fi
READS=${READS:-1,4,16,64}
WORKLOADS=${WORKLOADS:-eventloop,oversubscribed,perrequest}
DURATION=${DURATION:-2s}
out="$here/scaling-$(hostname)"

{
	echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(go version)"
	echo "# $(uname -srm), $n processors online"
	if command -v lscpu >/dev/null; then
		lscpu | grep -E '^(Model name|Socket|Core|Thread|NUMA node\(s\)|L3)' | sed 's/^/# /'
	fi
	echo "# isobench -workload $WORKLOADS -cpu $CPUS -reads $READS -duration $DURATION"
	echo
} >"$out.txt"

go build -o "$out.bin" ./cmd/isobench
trap 'rm -f "$out.bin"' EXIT
"$out.bin" -workload "$WORKLOADS" -cpu "$CPUS" -reads "$READS" -duration "$DURATION" -json >"$out.json"
# The same numbers as tables, without running again: isobench reads them
# back from the JSON.
"$out.bin" -from "$out.json" >>"$out.txt"
echo "wrote $out.txt and $out.json"
