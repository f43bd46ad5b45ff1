#!/usr/bin/env bash
# Resident memory over time of the examples' host (go run ./examples/host,
# in-memory store) while the examples' terminal program makes SALES chip sales (UnionPay test card, online PIN)
# against it, one process per sale as an operator would (working keys kept
# between runs), settling every 100; the host's VmRSS is sampled every
# second. Then the load program (iso8583/link/cmd/loadtest: host and 64
# terminals in one process) with its own -rss report.
#
#   SALES=600 bench/rss.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SALES=${SALES:-600}
tmp=$(mktemp -d)
go build -o "$tmp/host" ./examples/host
go build -o "$tmp/terminal" ./examples/terminal
go build -o "$tmp/loadtest" ./iso8583/link/cmd/loadtest
port=$((20000 + RANDOM % 20000))
"$tmp/host" -addr 127.0.0.1:$port >"$tmp/host.log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null; rm -rf "$tmp"' EXIT
sleep 1
echo "host pid $host; load average $(cut -d' ' -f1-3 /proc/loadavg)"
(
  start=$(date +%s)
  while kill -0 $host 2>/dev/null; do
    echo "t=$(( $(date +%s) - start ))s host VmRSS $(awk '/VmRSS/{print $2}' /proc/$host/status) kB sales $(cat "$tmp/n" 2>/dev/null || echo 0)"
    sleep 1
  done
) &
sampler=$!
for i in $(seq "$SALES"); do
  "$tmp/terminal" -host 127.0.0.1:$port -state "$tmp/state" sale 1.00 >/dev/null
  echo "$i" >"$tmp/n"
  if (( i % 100 == 0 )); then "$tmp/terminal" -host 127.0.0.1:$port -state "$tmp/state" settle >/dev/null; fi
done
sleep 1.5
kill $sampler 2>/dev/null || true
echo "sign-ins at the host: $(grep -c 'sign-in of terminal' "$tmp/host.log")"
echo "loadtest: load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/loadtest" -terminals 64 -sales 3125 -dir /dev/shm -settle-every 250 -prune 2s -rss
