#!/usr/bin/env bash
# Instructions per operation of the headline benchmarks, counted by
# valgrind --tool=callgrind: the benchmark runs N and 2N iterations
# (-test.benchtime=Nx) and the difference of the two totals divided by N
# is the cost of N operations, without start-up. Instruction counts do not
# depend on the machine's load; they are the tie-breaker when times are
# noisy. GODEBUG=asyncpreemptoff=1: callgrind cannot follow Go's
# preemption signals; GOMAXPROCS=1 GOGC=off: valgrind 3.19 does not know
# RDTSCP, which the runtime's contended locks execute, so the collector is
# kept out: the counts include allocation but not garbage collection.
# Needs valgrind (apt-get install -y valgrind).
#
#   bench/cg.sh
set -euo pipefail
cd "$(dirname "$0")"
bin=$(mktemp -d)
go test -c -o "$bin/bench.test" .
(cd .. && go test -c -o "$bin/emv.test" ./emv && go test -c -o "$bin/kernel.test" ./emv/kernel &&
  go test -c -o "$bin/link.test" ./iso8583/link && go test -c -o "$bin/keys.test" ./keys)
declare -A dir=([bench]=. [emv]=../emv [kernel]=../emv/kernel [link]=../iso8583/link [keys]=../keys)
# binary:benchmark:N
runs=(
  bench:TLVScan_possdk:20000 bench:TLVDecode_possdk:2000 bench:TLVDecode_bertlv:2000
  bench:TLVEncode_possdk:5000 bench:TLVEncode_bertlv:5000
  bench:QRDecodeEncodeSpec_possdk:5000 bench:QRDecodeEncodeSpec_possdkFresh:2000 bench:QRDecodeEncodeSpec_dongri:500
  bench:QRDecodeEncodePix_possdk:5000 bench:QRDecodeEncodePix_dongri:500
  bench:KeysX919_possdk:2000 bench:KeysX919_gmsm:2000 keys:DESCBC256:2000
  bench:PINBlockFormat0TDES_possdk:5000 bench:PINBlockFormat0TDES_moov:2000
  bench:PINBlockFormat4AES_possdk:10000 bench:PINBlockFormat4AES_moov:2000
  emv:VerifyARQC:500 kernel:ContactTransaction:50 link:HostSale:500
)
count() { # binary benchmark n -> total instructions of a run that finished
  # (valgrind sometimes stops a Go binary early: such a run is retried)
  local out try
  for try in 1 2 3 4; do
    out=$(cd "${dir[$1]}" && GOMAXPROCS=1 GOGC=off GODEBUG=asyncpreemptoff=1 valgrind --tool=callgrind \
      --callgrind-out-file=/dev/null "$bin/$1.test" -test.run='^$' -test.bench="^Benchmark$2\$" \
      -test.benchtime="$3x" -test.cpu=1 2>&1) || true
    if grep -q '^PASS' <<<"$out"; then sed -n 's/.*Collected : \([0-9]*\).*/\1/p' <<<"$out"; return; fi
  done
}
for r in "${runs[@]}"; do
  IFS=: read -r b name n <<<"$r"
  a=$(count "$b" "$name" "$n"); c=$(count "$b" "$name" $((2 * n)))
  if [[ -z $a || -z $c ]]; then echo "$name failed under valgrind"; continue; fi
  echo "$name $(( (c - a) / n )) instructions/op (N=$n: $a, 2N: $c)"
done
rm -rf "$bin"
