#!/usr/bin/env bash
# Alternating A/B rounds of the iso8583 benchmarks (BENCHMARKS.md, iso8583):
# every round runs each variant once, in forward order on odd rounds and
# reverse order on even ones, so drift in machine load falls on all
# variants alike. Prints raw lines; iso8583_ab.py summarises them.
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-8}
bin=$(mktemp -d)/bench.test
go test -c -o "$bin" .
variants=(Pack/possdk_CUPECB Pack/possdk_X919 Pack/possdk_noMAC Pack/moovOurBCD Pack/moovRaw
  Unpack/possdk_CUPECB Unpack/possdk_X919 Unpack/possdk_noMAC Unpack/moovOurBCD Unpack/moovRaw
  MAC/CUPECB MAC/X919)
for r in $(seq "$ROUNDS"); do
  order=("${variants[@]}")
  if (( r % 2 == 0 )); then
    order=(); for ((i=${#variants[@]}-1; i>=0; i--)); do order+=("${variants[i]}"); done
  fi
  for v in "${order[@]}"; do
    "$bin" -test.run='^$' -test.bench="^BenchmarkISO8583${v%%/*}\$/^${v#*/}\$" -test.benchtime=150ms -test.cpu=1 |
      grep '^Benchmark' | sed "s/^/round $r /"
  done
done
rm -rf "$(dirname "$bin")"
