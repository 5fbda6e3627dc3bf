#!/usr/bin/env bash
# Produces every figure of docs/benchmarks.md in one run (about 10-15 minutes on 2 cores).
# Benchmarks are not tests: CI never runs this. Usage: bash bench/run.sh [all|train|layout|linear|data|flops|inference|retrieval|memory|codecs|archive|precision|distributed|serve|mkl] [--quick] [--threads N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# The PyTorch reference: Debian's python3-torch/torchvision in /usr/bin/python3 with a multithreaded OpenBLAS.
if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null || ! ldconfig -p | grep -q "libopenblas.so.0"; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -q python3-torch python3-torchvision libopenblas0-pthread >/dev/null || echo "bench: could not install the PyTorch reference; its figures will be missing" >&2
  else
    echo "bench: /usr/bin/python3 lacks torch/torchvision (apt-get install python3-torch python3-torchvision libopenblas0-pthread)" >&2
  fi
fi
args=("$@"); [ ${#args[@]} -eq 0 ] && args=(all)
name=latest; for a in "${args[@]}"; do [ "$a" = "--quick" ] && name=quick; done
# the DICOM codec section alone keeps its own results (the quoted full run stays in latest.*)
[ "${args[*]}" = codecs ] && name=codecs
[ "${args[*]}" = serve ] && name=serve
[ "${args[*]}" = distributed ] && name=distributed   # needs mpirun (openmpi-bin)
[ "${args[0]}" = mkl ] && name=mkl-dispatch   # MKL as shipped / unlocked (docs/benchmarks.md 14.1)
mkdir -p bench/results
echo "load average before building: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet build src/ConVirt.Cli -c Release -nologo -v quiet 2>&1 | grep -E " error |warning" || true
dotnet build bench/ConVirt.Bench -c Release -nologo -v quiet 2>&1 | grep -E " error |warning" || true
dotnet bench/ConVirt.Bench/bin/Release/net10.0/ConVirt.Bench.dll "${args[@]}" --out "bench/results/$name.json" | tee "bench/results/$name.txt"
