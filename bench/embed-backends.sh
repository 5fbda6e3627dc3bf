#!/usr/bin/env bash
# Issue 27, item 3: `convirt embed` end to end (decode, transform, forward, write) over covid-cxr + MedPix
# (417 + 2,050 = 2,467 images, 224 px) with --backend libtorch and --backend onnxruntime, alternated, ROUNDS times;
# then, when PAPER_RUN names a ResNet-50 run folder, that encoder on covid-cxr once per backend.
# Prints one line per command (seconds, images/s) and the medians. Not part of CI.
#   bash bench/embed-backends.sh                # ROUNDS=2, ENCODER=imagenet (cpu-small's ResNet-18)
#   PAPER_RUN=/tmp/paper-run bash bench/embed-backends.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
data=${CONVIRT_SHARED_DATA:-../shared/data}
rounds=${ROUNDS:-2}
encoder=${ENCODER:-imagenet}
dotnet build -c Release src/ConVirt.Cli -v quiet -nologo > /dev/null
cli=(dotnet src/ConVirt.Cli/bin/Release/net10.0/convirt.dll)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M UTC') commit $(git rev-parse --short HEAD) load $(cut -d' ' -f1-3 /proc/loadavg) cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"

embed() {   # encoder backend set -> seconds
  local start end
  start=$(date +%s.%N)
  "${cli[@]}" embed --encoder "$1" --data "$data/$3/manifest.jsonl" --out "$out/$3-$2.safetensors" --backend "$2" > "$out/log" 2>&1 \
    || { cat "$out/log"; exit 1; }
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

declare -A total
for r in $(seq 1 "$rounds"); do
  for backend in libtorch onnxruntime; do
    t=0
    for set in covid-cxr medpix; do
      s=$(embed "$encoder" "$backend" "$set")
      n=$(wc -l < "$data/$set/manifest.jsonl")
      printf '%s round %d %-11s %-9s %4d images %7.1f s %6.2f images/s\n' "$encoder" "$r" "$backend" "$set" "$n" "$s" "$(echo "$n / $s" | bc -l)"
      t=$(echo "$t + $s" | bc)
    done
    total[$backend]+="$t "
    printf '%s round %d %-11s both      2467 images %7.1f s %6.2f images/s\n' "$encoder" "$r" "$backend" "$t" "$(echo "2467 / $t" | bc -l)"
  done
done
python3 - "${total[libtorch]}" "${total[onnxruntime]}" <<'PY'
import statistics, sys
lt = statistics.median(map(float, sys.argv[1].split())); ort = statistics.median(map(float, sys.argv[2].split()))
print(f"median of the rounds, 2467 images: libtorch {lt:.1f} s ({2467/lt:.2f} images/s), ONNX Runtime {ort:.1f} s ({2467/ort:.2f} images/s), ONNX Runtime / libtorch speed {lt/ort:.2f}x")
PY
if [[ -n "${PAPER_RUN:-}" ]]; then
  for backend in libtorch onnxruntime; do
    s=$(embed "$PAPER_RUN" "$backend" covid-cxr)
    printf 'paper (ResNet-50) %-11s covid-cxr 417 images %7.1f s %6.2f images/s\n' "$backend" "$s" "$(echo "417 / $s" | bc -l)"
  done
fi
