#!/usr/bin/env bash
# Alternating rounds of the headline benchmarks of BENCHMARKS.md (issue 22):
# every round runs each variant once for BENCHTIME, in forward order on odd
# rounds and reverse order on even ones, so drifting load on the shared
# machine falls on all variants alike; ab.py takes per-round ratios and
# medians with their range. Prints raw lines prefixed with the round and
# the 1-minute load average.
#
#   ROUNDS=10 bench/ab.sh > ab.txt && python3 bench/ab.py < ab.txt
set -euo pipefail
cd "$(dirname "$0")"
ROUNDS=${ROUNDS:-10}
BENCHTIME=${BENCHTIME:-150ms}
bin=$(mktemp -d)
go test -c -o "$bin/bench.test" .
(cd .. && go test -c -o "$bin/emv.test" ./emv && go test -c -o "$bin/kernel.test" ./emv/kernel &&
  go test -c -o "$bin/link.test" ./iso8583/link && go test -c -o "$bin/keys.test" ./keys)
variants=(
  bench:TLVScan_possdk bench:TLVDecode_possdk bench:TLVDecode_bertlv bench:TLVEncode_possdk bench:TLVEncode_bertlv
  bench:QRDecodeEncodeSpec_possdk bench:QRDecodeEncodeSpec_possdkFresh bench:QRDecodeEncodeSpec_dongri
  bench:QRDecodeEncodePix_possdk bench:QRDecodeEncodePix_possdkFresh bench:QRDecodeEncodePix_dongri bench:QRDecodeReused_possdk
  bench:KeysX919_possdk bench:KeysX919_gmsm bench:KeysCMACAES_possdk bench:KeysCMACAES_gmsm
  keys:DESCBC256 keys:X919MAC256 keys:CMACAES256 keys:CUPMAC256 keys:DecodeField62
  bench:PINBlockFormat0TDES_possdk bench:PINBlockFormat0TDES_moov bench:PINBlockFormat4AES_possdk bench:PINBlockFormat4AES_moov
  emv:VerifyARQC emv:ApplicationCryptogram emv:Field55Build emv:Describe emv:Lookup
  kernel:ContactTransaction link:HostSale
)
declare -A dir=([bench]=. [emv]=../emv [kernel]=../emv/kernel [link]=../iso8583/link [keys]=../keys)
for r in $(seq "$ROUNDS"); do
  order=("${variants[@]}")
  if (( r % 2 == 0 )); then
    order=(); for ((i=${#variants[@]}-1; i>=0; i--)); do order+=("${variants[i]}"); done
  fi
  for v in "${order[@]}"; do
    load=$(cut -d' ' -f1 /proc/loadavg)
    (cd "${dir[${v%%:*}]}" && "$bin/${v%%:*}.test" -test.run='^$' -test.bench="^Benchmark${v#*:}\$" -test.benchtime="$BENCHTIME" -test.cpu=1 -test.benchmem) |
      grep '^Benchmark' | sed "s/^/round $r load $load /"
  done
done
rm -rf "$bin"
