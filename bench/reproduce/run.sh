#!/usr/bin/env bash
# Reproduces the ConVIRT paper's comparison on the real data in ../shared/data (issue 7, docs/results.md).
#
#   bash bench/reproduce/run.sh                 # the whole experiment (about 75 min on 2 cores)
#   QUICK=1 OUT=/tmp/repro-smoke bash bench/reproduce/run.sh   # a few steps of everything (smoke test)
#
# Pretrains cpu-small encoders (ResNet-18; ConVIRT adds MiniLM) with ConVIRT, SimCLR and MoCo v2 on
#   cxr: the paired rows of covid-cxr (chest X-ray + clinical notes)
#   mix: the paired rows of covid-cxr + medpix (CT/MR + captions)
# with the same image budget (STEPS optimiser steps of BATCH images each), then evaluates them, random
# init and ImageNet init on pneumonia (linear 1/10/100 %, fine-tuning 1/10 %, image-image and
# text-image retrieval, t-SNE), covid-cxr finding and medpix location. Everything is seeded.
# Output: $OUT (default runs/reproduce, not committed): run folders, evaluation folders, report/,
# tables.md, timings.tsv. With COPY_DOCS=1 the small result files are copied to docs/results/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
data="${CONVIRT_SHARED_DATA:-$root/../shared/data}"
for set in covid-cxr medpix pneumonia; do
  [[ -f "$data/$set/manifest.jsonl" ]] || { echo "error: $data/$set/manifest.jsonl not found; set CONVIRT_SHARED_DATA" >&2; exit 2; }
done
OUT="${OUT:-$root/runs/reproduce}"
SIZE="${SIZE:-128}"          # pretraining and evaluation image side
STEPS="${STEPS:-300}"        # optimiser steps per pretraining run (the image budget: STEPS x BATCH images)
BATCH="${BATCH:-32}"
LR="${LR:-1e-4}"
RUNS="${RUNS:-5}"            # linear-probe runs per label fraction
FT_RUNS="${FT_RUNS:-2}"      # fine-tuning runs per label fraction
FT_EPOCHS="${FT_EPOCHS:-10}"
FT_ENCODERS="${FT_ENCODERS:-random imagenet simclr-cxr mocov2-cxr convirt-cxr convirt-mix}"
TSNE_POINTS="${TSNE_POINTS:-554}"
THREADS="${THREADS:-$(nproc)}"
if [[ "${QUICK:-0}" == 1 ]]; then STEPS=3; RUNS=2; FT_RUNS=1; FT_EPOCHS=1; TSNE_POINTS=60; fi

C="$data/covid-cxr/manifest.jsonl"; M="$data/medpix/manifest.jsonl"; P="$data/pneumonia/manifest.jsonl"
Q="$root/bench/reproduce/pneumonia-queries.jsonl"
mkdir -p "$OUT"
log="$OUT/log.txt"; timings="$OUT/timings.tsv"
: > "$timings"
echo "started $(date -u +%FT%TZ) size=$SIZE steps=$STEPS batch=$BATCH lr=$LR runs=$RUNS ft_runs=$FT_RUNS ft_epochs=$FT_EPOCHS threads=$THREADS" | tee "$log"

dotnet build "$root/src/ConVirt.Cli/ConVirt.Cli.csproj" -c Release -v quiet -nologo >> "$log" 2>&1
cli=(dotnet "$root/src/ConVirt.Cli/bin/Release/net10.0/convirt.dll")

# stage NAME COMMAND...: runs one command, appends its output to the log and its wall time to timings.tsv.
stage() {
  local name="$1"; shift
  local t0; t0=$(date +%s.%N)
  echo "== $name: ${*}" >> "$log"
  if ! "$@" >> "$log" 2>&1; then echo "error: stage $name failed; see $log" >&2; tail -20 "$log" >&2; exit 1; fi
  local t1; t1=$(date +%s.%N)
  printf '%s\t%.1f\n' "$name" "$(echo "$t1 - $t0" | bc)" | tee -a "$timings"
}

# ---- pretraining: 3 methods x 2 corpora, same steps, batch, image size and seed --------------------------
step_dir=$(printf 'step-%08d' "$STEPS")
declare -A encoder=([random]=random [imagenet]=imagenet)
for corpus in cxr mix; do
  train="$C"; [[ $corpus == mix ]] && train="$C,$M"
  for method in simclr mocov2 convirt; do
    name="$method-$corpus"; run="$OUT/pretrain/$name"
    extra=(); [[ $method != convirt ]] && extra=(--paired-only)
    # MoCo v2: a queue of at most about half the corpus (4096 keys over 244 images would hold each image ~17 times,
    # its own earlier keys among the negatives) and m = 0.99 (0.999 leaves the key encoder at 0.999^300 = 74 % of
    # its initial weights after this short budget).
    if [[ $method == mocov2 ]]; then q=128; [[ $corpus == mix ]] && q=1024; extra+=(--queue-size "$q" --momentum 0.99); fi
    rm -rf "$run"
    stage "pretrain $name" "${cli[@]}" pretrain --method "$method" "${extra[@]}" --train "$train" --out "$run" \
      --image-size "$SIZE" --batch-size "$BATCH" --lr "$LR" --epochs 100000 --early-stopping 100000 \
      --max-steps "$STEPS" --log-every 25 --checkpoint-every 100000 --seed 0 --threads "$THREADS"
    encoder[$name]="$run/checkpoints/$step_dir"   # the weights after the whole budget, not a validation pick
  done
done
all="random imagenet simclr-cxr mocov2-cxr convirt-cxr simclr-mix mocov2-mix convirt-mix"

# ---- evaluation --------------------------------------------------------------------------------------------
ev="$OUT/eval"
for name in $all; do
  e="${encoder[$name]}"; d="$ev/$name"; mkdir -p "$d"
  common=(--encoder "$e" --image-size "$SIZE" --seed 0)
  stage "linear pneumonia $name" "${cli[@]}" evaluate linear "${common[@]}" --train "$P" --test "$P" --test-split val \
    --label pneumonia --fractions 0.01,0.1,1 --runs "$RUNS" --out "$d/linear-pneumonia"
  # the same features (cached under the folder, keyed by weights, rows and size) serve the 3-class probe
  mkdir -p "$d/linear-subtype"; cp -r "$d/linear-pneumonia/features" "$d/linear-subtype/" 2>/dev/null || true
  stage "linear subtype $name" "${cli[@]}" evaluate linear "${common[@]}" --train "$P" --test "$P" --test-split val \
    --label subtype --fractions 0.01,0.1,1 --runs "$RUNS" --out "$d/linear-subtype"
  rm -rf "$d/linear-subtype/features"
  text=(); [[ $name == convirt-* ]] && text=(--text-queries "$Q")
  stage "retrieval $name" "${cli[@]}" evaluate retrieval "${common[@]}" --queries "$P" --candidates "$P" \
    --query-split val --candidate-split val --label subtype -k 5,10,50 "${text[@]}" --out "$d/retrieval-subtype"
  stage "tsne $name" "${cli[@]}" tsne "${common[@]}" --data "$P" --split val --label subtype \
    --max-points "$TSNE_POINTS" --out "$d/tsne-subtype/tsne.png"
  stage "linear covid $name" "${cli[@]}" evaluate linear "${common[@]}" --train "$C" --test "$C" --label finding \
    --ignore-values todo --positive 'COVID-19|COVID-19, ARDS' --fractions 0.1,1 --runs "$RUNS" --out "$d/linear-covid"
  stage "linear medpix $name" "${cli[@]}" evaluate linear "${common[@]}" --train "$M" --test "$M" --label location \
    --fractions 0.1,1 --runs "$RUNS" --out "$d/linear-medpix"
  rm -rf "$d"/linear-*/features
done
for name in $FT_ENCODERS; do
  stage "finetune pneumonia $name" "${cli[@]}" evaluate finetune --encoder "${encoder[$name]}" --image-size "$SIZE" --seed 0 \
    --train "$P" --test "$P" --test-split val --label pneumonia --fractions 0.01,0.1 --runs "$FT_RUNS" \
    --max-epochs "$FT_EPOCHS" --patience 3 --out "$ev/$name/finetune-pneumonia"
done

# ---- report ------------------------------------------------------------------------------------------------
folders=$(find "$ev" -mindepth 2 -maxdepth 2 -type d | sort | paste -sd, -)
stage "report" "${cli[@]}" report --runs "$folders" --out "$OUT/report"
python3 "$root/bench/reproduce/tables.py" "$OUT" > "$OUT/tables.md"
# The ConVIRT encoder kept: of the two ConVIRT runs, the one with the higher mean of its 1 % linear scores (pneumonia
# AUC and subtype balanced accuracy), copied as a checkpoint folder that `convirt evaluate --encoder` accepts.
best=$(python3 - "$ev" <<'PY'
import json, sys
def score(n):
    a = json.load(open(f"{sys.argv[1]}/{n}/linear-pneumonia/linear.json"))["fractions"][0]["auc"]["mean"]
    b = json.load(open(f"{sys.argv[1]}/{n}/linear-subtype/linear.json"))["fractions"][0]["balanced_accuracy"]["mean"]
    return (a + b) / 2
print(max(["convirt-cxr", "convirt-mix"], key=score))
PY
)
rm -rf "$OUT/best-convirt"; mkdir -p "$OUT/best-convirt"
cp "${encoder[$best]}/model.safetensors" "$OUT/pretrain/$best/config.json" "$OUT/best-convirt/"
echo "$best (final checkpoint, step $STEPS)" > "$OUT/best-convirt/SOURCE.txt"
echo "best ConVIRT encoder: $best -> $OUT/best-convirt" | tee -a "$log"
echo "finished $(date -u +%FT%TZ); total $(awk -F'\t' '{s+=$2} END {printf "%.0f", s}' "$timings") s in stages" | tee -a "$log"
if [[ "${COPY_DOCS:-0}" == 1 ]]; then
  dest="$root/docs/results"; rm -rf "$dest"; mkdir -p "$dest"
  cp "$OUT/tables.md" "$OUT/timings.tsv" "$OUT/log.txt" "$OUT/report/"*.png "$OUT/report/report.md" "$dest/"
  for name in $all; do
    for f in $(cd "$ev/$name" && find . -name '*.json' -o -name '*.png' -o -name '*.md'); do
      mkdir -p "$dest/eval/$name/$(dirname "$f")"; cp "$ev/$name/$f" "$dest/eval/$name/$f"
    done
  done
  for name in simclr-cxr mocov2-cxr convirt-cxr simclr-mix mocov2-mix convirt-mix; do
    mkdir -p "$dest/pretrain/$name"; cp "$OUT/pretrain/$name/config.json" "$OUT/pretrain/$name/metrics.jsonl" "$dest/pretrain/$name/"
  done
fi
echo "results: $OUT/tables.md, $OUT/report/report.md"
