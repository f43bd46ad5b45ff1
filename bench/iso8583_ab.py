#!/usr/bin/env python3
"""Summarise iso8583_ab.sh output: median and range of each variant, and
of per-round ratios (both sides measured in the same round)."""
import re, statistics, sys
from collections import defaultdict

ns, bop, allocs = defaultdict(dict), {}, {}
for line in sys.stdin:
    m = re.match(r'round (\d+) BenchmarkISO8583(\w+)/(\w+)\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op', line)
    if m:
        r, op, v = int(m[1]), m[2], m[3]
        ns[(op, v)][r] = float(m[4])
        bop[(op, v)], allocs[(op, v)] = int(m[5]), int(m[6])

def fmt(xs, f):
    return f"{f(statistics.median(xs))} ({f(min(xs))}–{f(max(xs))})"

n = lambda x: f"{x:,.0f}".replace(",", " ")
q = lambda x: f"{x:.2f}x"
p = lambda x: f"{100*x:.0f} %"
print("| operation | variant | ns/op median (range) | B/op | allocs |")
print("|---|---|---|---|---|")
for (op, v), rs in ns.items():
    print(f"| {op} | {v} | {fmt(list(rs.values()), n)} | {bop[(op, v)]} | {allocs[(op, v)]} |")

def ratio(a, b):
    rs = sorted(set(ns[a]) & set(ns[b]))
    return [ns[a][r] / ns[b][r] for r in rs]

print()
print("| ratio (same round) | median (range) |")
print("|---|---|")
for op in ("Pack", "Unpack"):
    for v in ("possdk_CUPECB", "possdk_X919", "possdk_noMAC", "moovOurBCD"):
        for base in ("moovOurBCD", "moovRaw"):
            if v != base:
                print(f"| {op} {v} ÷ {base} | {fmt(ratio((op, v), (op, base)), q)} |")
    for mac, v in (("CUPECB", "possdk_CUPECB"), ("X919", "possdk_X919")):
        print(f"| {op} {v}: MAC share (MAC/{mac} ÷ {v}) | {fmt(ratio(('MAC', mac), (op, v)), p)} |")
