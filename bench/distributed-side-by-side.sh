#!/usr/bin/env bash
# The reduced side-by-side run quoted in docs/benchmarks.md section 10 (the full section is `bash bench/run.sh distributed`):
# 1 rank x 2 threads against 2 ranks x 1 thread (mpirun), cpu-small (packaged ResNet-18 + MiniLM), 64 px, global batch
# 16, 4 steps logged every 2 (steps 3-4 measured), two alternating repetitions. Needs openmpi-bin and a synthetic
# data folder: DATA=dir with manifest.jsonl (e.g. from `convirt demo` or SyntheticDataset.Write, 96 rows at 96 px).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
D=${DATA:?set DATA to a folder with manifest.jsonl}
dotnet build src/ConVirt.Cli -c Release -nologo -v quiet >/dev/null
CLI=src/ConVirt.Cli/bin/Release/net10.0/convirt.dll
A=(pretrain --train "$D/manifest.jsonl" --image-size 64 --batch-size 16 --workers 1 --max-steps 4 --log-every 2 --epochs 100)
for rep in 1 2; do
  rm -rf "$D/a$rep" "$D/b$rep"
  echo "load $(cut -d' ' -f1-3 /proc/loadavg)"
  dotnet $CLI "${A[@]}" --out "$D/a$rep" --threads 2 > /dev/null 2>&1; tail -1 "$D/a$rep/metrics.jsonl"
  mpirun --allow-run-as-root --oversubscribe --bind-to none -np 2 dotnet $CLI "${A[@]}" --out "$D/b$rep" --threads 1 > /dev/null 2>&1; tail -1 "$D/b$rep/metrics.jsonl"
done
