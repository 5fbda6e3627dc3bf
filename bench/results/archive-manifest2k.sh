#!/usr/bin/env bash
set -u
A=/tmp/convirt-bench-7875/archive
CLI=/work/wt-prepare/src/ConVirt.Cli/bin/Release/net10.0/convirt.dll
out=$A/run-man2k; rm -rf $out
start=$(date +%s.%N)
/usr/bin/time -v dotnet $CLI pretrain --train $A/src/manifest.jsonl --out $out --config cpu-small --image-size 224 --batch-size 32 --max-steps 3 --log-every 1 --checkpoint-every 100000 --threads 2 2> $A/man2k.err | while IFS= read -r line; do echo "$(echo "$(date +%s.%N) - $start" | bc) $line"; done > $A/man2k.out
grep "Maximum resident\|User time\|System time\|Elapsed" $A/man2k.err
