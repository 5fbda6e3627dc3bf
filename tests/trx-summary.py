#!/usr/bin/env python3
"""Summarises trx files (dotnet test --logger trx): results, total test time (the sum of the tests' durations), the
N slowest tests and classes. Several files are one run in parts: a test already seen in an earlier file is skipped.
Usage: tests/trx-summary.py [-n N] FILE.trx [MORE.trx ...]"""
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
args = sys.argv[1:]
n = 10
if args[:1] == ['-n']:
    n, args = int(args[1]), args[2:]

def seconds(s):
    h, m, sec = s.split(':')
    return int(h) * 3600 + int(m) * 60 + float(sec)

seen, results = set(), []
for path in args:
    root = ET.parse(path).getroot()
    classes = {d.get('id'): d.find('t:TestMethod', ns).get('className') for d in root.findall('.//t:UnitTest', ns)}
    times = root.find('t:Times', ns)
    print(f"{path}: run {times.get('start')} .. {times.get('finish')}")
    for r in root.findall('.//t:UnitTestResult', ns):
        name = r.get('testName')
        if name in seen: continue
        seen.add(name)
        results.append((seconds(r.get('duration', '0:0:0')), name, r.get('outcome'), classes.get(r.get('testId'), '?')))

outcomes = defaultdict(int)
for _, _, o, _ in results: outcomes[o] += 1
print(f"{len(results)} results ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}); "
      f"test time {sum(d for d, *_ in results):.0f} s")
print(f"\n{n} slowest tests:")
for d, name, o, _ in sorted(results, reverse=True)[:n]: print(f"  {d:7.1f} s  {o:8} {name}")
per_class = defaultdict(float)
for d, _, _, c in results: per_class[c] += d
print(f"\n{n} slowest classes:")
for c, d in sorted(per_class.items(), key=lambda kv: -kv[1])[:n]: print(f"  {d:7.1f} s  {c}")
