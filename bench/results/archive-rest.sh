#!/usr/bin/env bash
# The remaining archive-bench pretrain runs at --max-steps 3 (the machine ran ~37 s per step under load 25-28).
set -u
A=/tmp/convirt-bench-7875/archive
CLI=/work/wt-prepare/src/ConVirt.Cli/bin/Release/net10.0/convirt.dll
python3 - <<'P'
import json, os
A='/tmp/convirt-bench-7875/archive'
src=json.load(open(f'{A}/prep8/dataset.json'))
for k in (10, 100):
    d=f'{A}/prep-x{k}'; os.makedirs(d, exist_ok=True); shards=[]
    for t in range(k):
        for s in src['shards']:
            name='shard-%06d.tar'%len(shards); link=f'{d}/{name}'
            if not os.path.exists(link): os.link(f"{A}/prep8/{s['name']}", link)
            s2=dict(s); s2['name']=name; shards.append(s2)
    o=dict(src); o['shards']=shards; o['rows']=src['rows']*k; o['counts']={a:b*k for a,b in src['counts'].items()}
    json.dump(o, open(f'{d}/dataset.json','w'), indent=1)
lines=open(f'{A}/src/manifest.jsonl').read().splitlines()
with open(f'{A}/src/manifest-x10.jsonl','w') as f:
    for t in range(10):
        for l in lines:
            r=json.loads(l); r['id']+=f'-c{t}'; r['patient_id']+=f'-c{t}'; f.write(json.dumps(r)+'\n')
P
run() {
  label=$1; data=$2; out=$A/run-$3
  rm -rf "$out"
  start=$(date +%s.%N)
  /usr/bin/time -v dotnet $CLI pretrain --train "$data" --out "$out" --config cpu-small --image-size 224 --batch-size 32 --max-steps 3 --log-every 1 --checkpoint-every 100000 --threads 2 2> $A/$3.err | while IFS= read -r line; do echo "$(echo "$(date +%s.%N) - $start" | bc) $line"; done > $A/$3.out
  first=$(grep -m1 " step 1 " $A/$3.out | cut -d' ' -f1)
  rss=$(grep "Maximum resident" $A/$3.err | awk '{print $6}')
  echo "$label: first optimiser step after ${first} s, peak RSS $((rss/1024)) MiB; $(grep -E 'median|rows:' $A/$3.out | cut -d' ' -f2- | tr '\n' ' ') (load $(cut -d' ' -f1-3 /proc/loadavg))"
}
run "prepared, 20,000 rows" $A/prep-x10 x10
run "prepared, 200,000 rows" $A/prep-x100 x100
run "manifest, 20,000 rows" $A/src/manifest-x10.jsonl manifest
run "prepared, 2,000 rows (again, 3 steps)" $A/prep8 x1b
