#!/usr/bin/env bash
# The 200-step experiment of docs/benchmarks.md section 8: the demo's synthetic pairs and model (cpu-small: packaged
# ImageNet ResNet-18 + MiniLM, 96 px, batch 32) trained 200 steps (400 cases: 320 training pairs = 10 steps per epoch,
# 20 epochs) from one seed in fp32 and in bf16; text-to-image precision@5/@10 on the test split after each.
# Benchmarks are not tests: CI never runs this (about 2 x 2-4 minutes on 2 cores, more under emulated bf16).
# Usage: bash bench/precision-run.sh [OUT_DIR]   (default /tmp/convirt-precision-run)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-/tmp/convirt-precision-run}"
mkdir -p "$out" bench/results
dotnet build src/ConVirt.Cli -c Release -nologo -v quiet 2>&1 | grep -E " error |warning" || true
for p in fp32 bf16; do
  echo "== precision $p (load $(cut -d' ' -f1-3 /proc/loadavg))"
  start=$(date +%s)
  dotnet src/ConVirt.Cli/bin/Release/net10.0/convirt.dll demo --cases 400 --epochs 20 --precision "$p" --out "$out/$p" 2>&1 \
    | grep -E "precision@|chance|training:|precision: " | sed 's/  */ /g'
  echo "   wall $(( $(date +%s) - start )) s"
done 2>&1 | tee bench/results/precision-run.txt
