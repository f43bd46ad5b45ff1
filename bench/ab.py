#!/usr/bin/env python3
"""Summarise ab.sh output: per benchmark the median ns/op with its range
(min-max over the rounds), B/op and allocs/op; per peer pair the ratio of
the two sides measured in the same round, as median (min-max)."""
import re, statistics, sys
from collections import defaultdict

ns = defaultdict(dict)      # name -> round -> ns/op
mem = {}
loads = []
for line in sys.stdin:
    m = re.match(r"round (\d+) load ([\d.]+) Benchmark(\S+)\s+\d+\s+([\d.]+) ns/op(?:.*?\s([\d.]+) B/op\s+(\d+) allocs/op)?", line)
    if not m:
        continue
    r, load, name, v = int(m[1]), float(m[2]), m[3], float(m[4])
    ns[name][r] = v
    loads.append(load)
    if m[5] is not None:
        mem[name] = (m[5], m[6])

def fmt(x):
    return f"{x:,.0f}".replace(",", " ") if x >= 100 else f"{x:.1f}"

print(f"load average (1 min) during the run: {min(loads):.1f}-{max(loads):.1f}, rounds: {len(set(r for d in ns.values() for r in d))}")
print("| benchmark | median ns/op (range) | B/op | allocs/op |")
print("|---|---|---|---|")
for name, d in ns.items():
    vs = sorted(d.values())
    b, a = mem.get(name, ("-", "-"))
    print(f"| {name} | {fmt(statistics.median(vs))} ({fmt(vs[0])}-{fmt(vs[-1])}) | {b} | {a} |")

pairs = [
    ("TLVDecode_bertlv", "TLVScan_possdk"), ("TLVDecode_bertlv", "TLVDecode_possdk"), ("TLVEncode_bertlv", "TLVEncode_possdk"),
    ("QRDecodeEncodeSpec_dongri", "QRDecodeEncodeSpec_possdk"), ("QRDecodeEncodeSpec_dongri", "QRDecodeEncodeSpec_possdkFresh"),
    ("QRDecodeEncodePix_dongri", "QRDecodeEncodePix_possdk"), ("QRDecodeEncodePix_dongri", "QRDecodeEncodePix_possdkFresh"),
    ("KeysX919_gmsm", "KeysX919_possdk"), ("KeysCMACAES_gmsm", "KeysCMACAES_possdk"),
    ("X919MAC256", "DESCBC256"),
    ("PINBlockFormat0TDES_moov", "PINBlockFormat0TDES_possdk"), ("PINBlockFormat4AES_moov", "PINBlockFormat4AES_possdk"),
]
print()
print("| peer ÷ possdk (same round) | median (range) |")
print("|---|---|")
for a, b in pairs:
    if a not in ns or b not in ns:
        continue
    rs = sorted(ns[a][r] / ns[b][r] for r in ns[a] if r in ns[b])
    print(f"| {a} ÷ {b} | {statistics.median(rs):.2f}x ({rs[0]:.2f}x-{rs[-1]:.2f}x) |")
