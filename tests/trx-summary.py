#!/usr/bin/env python3
"""Summarises a trx file: total test time, the N slowest tests and classes. Usage: trx-summary.py FILE.trx [N]"""
import sys
import xml.etree.ElementTree as ET
from collections import defaultdict

ns = {'t': 'http://microsoft.com/schemas/VisualStudio/TeamTest/2010'}
root = ET.parse(sys.argv[1]).getroot()
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10

def seconds(s):
    h, m, sec = s.split(':')
    return int(h) * 3600 + int(m) * 60 + float(sec)

classes = {d.get('id'): d.find('t:TestMethod', ns).get('className') for d in root.findall('.//t:UnitTest', ns)}
results = [(seconds(r.get('duration', '0:0:0')), r.get('testName'), r.get('outcome'), classes.get(r.get('testId'), '?'))
           for r in root.findall('.//t:UnitTestResult', ns)]
outcomes = defaultdict(int)
for _, _, o, _ in results: outcomes[o] += 1
times = root.find('t:Times', ns)
print(f"{len(results)} results ({', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))}); "
      f"test time {sum(d for d, *_ in results):.0f} s; run {times.get('start')} .. {times.get('finish')}")
print(f"\n{n} slowest tests:")
for d, name, o, _ in sorted(results, reverse=True)[:n]: print(f"  {d:7.1f} s  {o:8} {name}")
per_class = defaultdict(float)
for d, _, _, c in results: per_class[c] += d
print(f"\n{n} slowest classes:")
for c, d in sorted(per_class.items(), key=lambda kv: -kv[1])[:n]: print(f"  {d:7.1f} s  {c}")
