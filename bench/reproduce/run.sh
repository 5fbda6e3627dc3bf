#!/usr/bin/env bash
# Reproduces the ConVIRT paper's comparison on the real data in ../shared/data (issues 7 and 19, docs/results.md).
#
#   bash bench/reproduce/run.sh                 # the whole experiment (about 2 h on 2 Zen 3 cores)
#   QUICK=1 OUT=/tmp/repro-smoke bash bench/reproduce/run.sh   # a few steps of everything (smoke test)
#
# Pretrains cpu-small encoders (ResNet-18; ConVIRT adds MiniLM) with ConVIRT, SimCLR and MoCo v2 on
#   cxr:    the paired rows of covid-cxr (chest X-ray + clinical notes)
#   mix:    the paired rows of covid-cxr + medpix (CT/MR + captions), ConVIRT only in this edition
#   medpix: medpix alone
# and, for the scaling curve, ConVIRT and SimCLR on 25 % and 50 % of the medpix training cases (nested subsets),
# all with the same image budget (STEPS optimiser steps of BATCH images each). Then evaluates them, random init and
# ImageNet init on pneumonia (linear 1/10/100 %, fine-tuning 1/10 %, image-image and text-image retrieval, zero-shot,
# t-SNE), nih-cxr (linear 10/100 %, retrieval, zero-shot), covid-cxr finding and medpix (location, modality, plane
# probes, retrieval, zero-shot, t-SNE); which encoder gets which evaluation is set below ("What fits the session").
# Everything is seeded.
# Output: $OUT (default runs/reproduce, not committed): run folders, evaluation folders, report/, tables.md,
# scaling.svg, timings.tsv, encoders/ (the best ConVIRT encoders). With COPY_DOCS=1 the small result files are copied
# to docs/results/. Stages that finished are not run again (markers in $OUT/done/); FRESH=1 starts over.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
data="${CONVIRT_SHARED_DATA:-$root/../shared/data}"
for set in covid-cxr medpix pneumonia nih-cxr; do
  [[ -f "$data/$set/manifest.jsonl" ]] || { echo "error: $data/$set/manifest.jsonl not found; set CONVIRT_SHARED_DATA" >&2; exit 2; }
done
OUT="${OUT:-$root/runs/reproduce}"
SIZE="${SIZE:-160}"          # pretraining and evaluation image side
STEPS="${STEPS:-64}"         # optimiser steps per pretraining run (the image budget: STEPS x BATCH images)
BATCH="${BATCH:-32}"
LR="${LR:-1e-4}"
PRECISION="${PRECISION:-auto}"  # bf16 where the CPU/GPU computes it natively, else fp32
RUNS="${RUNS:-3}"            # linear-probe runs per label fraction
FT_RUNS="${FT_RUNS:-1}"      # fine-tuning runs per label fraction
FT_EPOCHS="${FT_EPOCHS:-4}"
FT_ENCODERS="${FT_ENCODERS:-imagenet simclr-cxr convirt-cxr}"
TSNE_POINTS="${TSNE_POINTS:-554}"
THREADS="${THREADS:-$(nproc)}"
if [[ "${QUICK:-0}" == 1 ]]; then STEPS=3; RUNS=2; FT_RUNS=1; FT_EPOCHS=1; TSNE_POINTS=60; fi

C="$data/covid-cxr/manifest.jsonl"; M="$data/medpix/manifest.jsonl"; P="$data/pneumonia/manifest.jsonl"
N="$data/nih-cxr/manifest.jsonl"
here="$root/bench/reproduce"; prompts="$root/prompts"
[[ "${FRESH:-0}" == 1 ]] && rm -rf "$OUT"
mkdir -p "$OUT/done" "$OUT/data"
log="$OUT/log.txt"; timings="$OUT/timings.tsv"
touch "$timings"
echo "started $(date -u +%FT%TZ) size=$SIZE steps=$STEPS batch=$BATCH lr=$LR precision=$PRECISION runs=$RUNS ft_runs=$FT_RUNS ft_epochs=$FT_EPOCHS threads=$THREADS commit=$(git -C "$root" rev-parse --short HEAD)" | tee -a "$log"

dotnet build "$root/src/ConVirt.Cli/ConVirt.Cli.csproj" -c Release -v quiet -nologo >> "$log" 2>&1
# The stages run a private copy of the build, so rebuilding the project meanwhile does not touch a running stage.
rm -rf "$OUT/bin.tmp"; cp -r "$root/src/ConVirt.Cli/bin/Release/net10.0" "$OUT/bin.tmp"; rm -rf "$OUT/bin"; mv "$OUT/bin.tmp" "$OUT/bin"
cli=(dotnet "$OUT/bin/convirt.dll")

# stage NAME COMMAND...: runs one command unless it finished before, appends its output to the log and its wall
# time to timings.tsv.
stage() {
  local name="$1"; shift
  local marker="$OUT/done/${name// /_}"
  [[ -f "$marker" ]] && return 0
  local t0; t0=$(date +%s.%N)
  echo "== $name: ${*}" >> "$log"
  if ! "$@" >> "$log" 2>&1; then echo "error: stage $name failed; see $log" >&2; tail -20 "$log" >&2; exit 1; fi
  local t1; t1=$(date +%s.%N)
  printf '%s\t%.1f\n' "$name" "$(echo "$t1 - $t0" | bc)" | tee -a "$timings"
  touch "$marker"
}

# ---- data: nested 25 % / 50 % subsets of the medpix training cases (by case, seed 0), every val row kept ------
python3 "$here/subsets.py" "$M" "$OUT/data" 0.25 0.5
M25="$OUT/data/medpix-25.jsonl"; M50="$OUT/data/medpix-50.jsonl"
python3 "$here/subsets.py" --grounding "$N" "$M" "$OUT/data"
# modality and plane probes over the classes with at least 40 training images (8 modalities: CT with/without contrast,
# MR T1/T2/FLAIR...; 3 planes: axial, coronal, sagittal); the long tail (21 modalities, 12 planes) is left out
rare_modality=$(python3 "$here/subsets.py" --rare "$M" modality 40); rare_plane=$(python3 "$here/subsets.py" --rare "$M" plane 40)

step_dir=$(printf 'step-%08d' "$STEPS")
declare -A encoder=([random]=random [imagenet]=imagenet)
declare -A corpus_train=([cxr]="$C" [mix]="$C,$M" [medpix]="$M" [medpix25]="$M25" [medpix50]="$M50")

# pretrain METHOD CORPUS: one run of the common budget; sets encoder[METHOD-CORPUS] to its final checkpoint.
pretrain() {
  local method="$1" corpus="$2" name="$1-$2"; local run="$OUT/pretrain/$name"
  local extra=(); [[ $method != convirt ]] && extra=(--paired-only)
  # MoCo v2: a queue of at most about half the corpus (4096 keys over 244 images would hold each image ~17 times,
  # its own earlier keys among the negatives) and m = 0.99 (0.999 leaves the key encoder near its initial weights
  # after this short budget).
  if [[ $method == mocov2 ]]; then
    local q=1024; [[ $corpus == cxr ]] && q=128; [[ $corpus == medpix ]] && q=768
    extra+=(--queue-size "$q" --momentum 0.99)
  fi
  [[ -f "$OUT/done/pretrain_$name" ]] || rm -rf "$run"
  stage "pretrain $name" "${cli[@]}" pretrain --method "$method" "${extra[@]}" --train "${corpus_train[$corpus]}" \
    --out "$run" --image-size "$SIZE" --batch-size "$BATCH" --lr "$LR" --epochs 100000 --early-stopping 100000 \
    --max-steps "$STEPS" --log-every 8 --checkpoint-every 100000 --seed 0 --threads "$THREADS" --precision "$PRECISION"
  encoder[$name]="$run/checkpoints/$step_dir"   # the weights after the whole budget, not a validation pick
}

# linear NAME SUB ARGS...: a linear probe into eval/NAME/SUB, starting from FEATURES_FROM's cached features if given
linear() {
  local name="$1" sub="$2"; shift 2
  local d="$OUT/eval/$name/$sub"
  if [[ -n "${FEATURES_FROM:-}" && ! -f "$OUT/done/${sub}_$name" ]]; then
    mkdir -p "$d"; cp -r "$OUT/eval/$name/$FEATURES_FROM/features" "$d/" 2>/dev/null || true
  fi
  stage "$sub $name" "${cli[@]}" evaluate linear --encoder "${encoder[$name]}" --image-size "$SIZE" --seed 0 \
    --runs "$RUNS" --out "$d" "$@"
}

# evaluate_chest NAME: the chest X-ray evaluations of one encoder.
evaluate_chest() {
  local name="$1"; local e="${encoder[$name]}" d="$OUT/eval/$name"; mkdir -p "$d"
  local common=(--encoder "$e" --image-size "$SIZE")
  local convirt=0; [[ $name == convirt-* ]] && convirt=1
  # pediatric chest X-rays (pneumonia val for every number)
  linear "$name" linear-pneumonia --train "$P" --test "$P" --test-split val --label pneumonia --fractions 0.01,0.1,1
  FEATURES_FROM=linear-pneumonia linear "$name" linear-subtype --train "$P" --test "$P" --test-split val --label subtype \
    --fractions 0.01,0.1,1
  local text=(); [[ $convirt == 1 ]] && text=(--text-queries "$here/pneumonia-queries.jsonl" --sheets "$d/sheets-subtype")
  stage "retrieval subtype $name" "${cli[@]}" evaluate retrieval "${common[@]}" --seed 0 --queries "$P" --candidates "$P" \
    --query-split val --candidate-split val --label subtype -k 5,10,50 "${text[@]}" --out "$d/retrieval-subtype"
  stage "tsne subtype $name" "${cli[@]}" tsne "${common[@]}" --seed 0 --data "$P" --split val --label subtype \
    --max-points "$TSNE_POINTS" --out "$d/tsne-subtype/tsne.png"
  [[ $convirt == 1 ]] && stage "zeroshot subtype $name" "${cli[@]}" evaluate zeroshot "${common[@]}" --data "$P" --split val \
    --prompts "$prompts/pneumonia-subtype.jsonl" --label subtype --out "$d/zeroshot-subtype"
  # adult chest X-rays: linear probe train -> val; retrieval and zero-shot over all 596 images (none was trained on)
  linear "$name" linear-nih --train "$N" --test "$N" --test-split val --label pneumonia --fractions 0.1,1
  stage "retrieval nih $name" "${cli[@]}" evaluate retrieval "${common[@]}" --seed 0 --queries "$N" --candidates "$N" \
    --label pneumonia -k 5,10,50 --out "$d/retrieval-nih"
  [[ $convirt == 1 ]] && stage "zeroshot nih $name" "${cli[@]}" evaluate zeroshot "${common[@]}" --data "$N" \
    --prompts "$prompts/nih-cxr-pneumonia.jsonl" --mode pairs --label pneumonia --out "$d/zeroshot-nih"
  linear "$name" linear-covid --train "$C" --test "$C" --label finding --ignore-values todo --positive 'COVID-19|COVID-19, ARDS' \
    --fractions 0.1,1
  rm -rf "$d"/linear-*/features
}

# evaluate_medpix NAME [full]: medpix location probe, retrieval, zero-shot and t-SNE on the 200 test images; with
# "full" also the modality and plane probes (the in-domain probes, for the references and the MedPix-only runs).
evaluate_medpix() {
  local name="$1" full="${2:-}"; local e="${encoder[$name]}" d="$OUT/eval/$name"; mkdir -p "$d"
  local common=(--encoder "$e" --image-size "$SIZE")
  local convirt=0; [[ $name == convirt-* ]] && convirt=1
  linear "$name" linear-location --train "$M" --test "$M" --label location --fractions 0.1,1
  if [[ $full == full ]]; then
    linear "$name" linear-modality --train "$M" --test "$M" --label modality --ignore-values "$rare_modality" --fractions 0.1,1
    linear "$name" linear-plane --train "$M" --test "$M" --label plane --ignore-values "$rare_plane" --fractions 0.1,1
  fi
  local text=(); [[ $convirt == 1 ]] && text=(--text-queries "$prompts/medpix-location.jsonl" --sheets "$d/sheets-location")
  stage "retrieval location $name" "${cli[@]}" evaluate retrieval "${common[@]}" --seed 0 --queries "$M" --candidates "$M" \
    --query-split test --candidate-split test --label location -k 5,10,50 "${text[@]}" --out "$d/retrieval-location"
  [[ $convirt == 1 ]] && stage "zeroshot location $name" "${cli[@]}" evaluate zeroshot "${common[@]}" --data "$M" --split test \
    --prompts "$prompts/medpix-location.jsonl" --label location --out "$d/zeroshot-location"
  stage "tsne location $name" "${cli[@]}" tsne "${common[@]}" --seed 0 --data "$M" --split test --label location \
    --out "$d/tsne-location/tsne.png"
  rm -rf "$d"/linear-*/features
}

# evaluate_scaling NAME: the scaling curve's two measures (medpix location probe at 10 %, retrieval by location).
evaluate_scaling() {
  local name="$1"; local d="$OUT/eval/$name"; mkdir -p "$d"
  linear "$name" linear-location --train "$M" --test "$M" --label location --fractions 0.1
  local text=(); [[ $name == convirt-* ]] && text=(--text-queries "$prompts/medpix-location.jsonl")
  stage "retrieval location $name" "${cli[@]}" evaluate retrieval --encoder "${encoder[$name]}" --image-size "$SIZE" --seed 0 \
    --queries "$M" --candidates "$M" --query-split test --candidate-split test --label location -k 5,10,50 "${text[@]}" \
    --out "$d/retrieval-location"
  rm -rf "$d"/linear-*/features
}

# ---- the references first (they exercise every evaluation), then each corpus: pretrain, evaluate ----------------
# What fits the session on 2 cores: chest evaluations for the references, the X-ray runs, the X-ray + MedPix ConVIRT
# run and the MedPix ConVIRT run; every MedPix evaluation for the references and the MedPix-only runs; the location
# evaluations for the rest. SimCLR and MoCo v2 on X-ray + MedPix are left out (the first edition has them).
for name in imagenet random; do evaluate_chest "$name"; evaluate_medpix "$name" full; done
for method in convirt simclr mocov2; do
  pretrain "$method" medpix
  [[ $method == convirt ]] && evaluate_chest "$method-medpix"
  evaluate_medpix "$method-medpix" full
done
for method in convirt simclr mocov2; do pretrain "$method" cxr; evaluate_chest "$method-cxr"; evaluate_medpix "$method-cxr"; done
pretrain convirt mix; evaluate_chest convirt-mix; evaluate_medpix convirt-mix
for corpus in medpix25 medpix50; do
  for method in convirt simclr; do
    pretrain "$method" "$corpus"; evaluate_scaling "$method-$corpus"
  done
done
for name in $FT_ENCODERS; do
  stage "finetune pneumonia $name" "${cli[@]}" evaluate finetune --encoder "${encoder[$name]}" --image-size "$SIZE" --seed 0 \
    --train "$P" --test "$P" --test-split val --label pneumonia --fractions 0.01,0.1 --runs "$FT_RUNS" \
    --max-epochs "$FT_EPOCHS" --patience 2 --out "$OUT/eval/$name/finetune-pneumonia"
done

# ---- the best ConVIRT encoders, saved as folders every verb accepts ------------------------------------------
# chest: of the two ConVIRT runs with chest X-rays, the one with the higher mean of its pneumonia 1 % linear AUC,
# subtype 1 % balanced accuracy and nih-cxr 10 % linear AUC; medpix: the ConVIRT run on medpix alone.
best_chest=$(python3 "$here/tables.py" --best-chest "$OUT")
save_encoder() {
  local name="$1" dest="$OUT/encoders/$2"
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  cp "${encoder[$name]}/model.safetensors" "$OUT/pretrain/$name/config.json" "$OUT/pretrain/$name/metrics.jsonl" "$dest.tmp/"
  echo "$name, final checkpoint (step $STEPS of $BATCH images at $SIZE px), $(git -C "$root" rev-parse --short HEAD)" > "$dest.tmp/SOURCE.txt"
  rm -rf "$dest"; mv "$dest.tmp" "$dest"
  echo "best ConVIRT encoder ($2): $name -> $dest" | tee -a "$log"
}
save_encoder "$best_chest" convirt-chest
save_encoder convirt-medpix convirt-medpix

# ---- grounding maps with the saved encoders ------------------------------------------------------------------
stage "ground chest" "${cli[@]}" ground --encoder "$OUT/encoders/convirt-chest" --data "$OUT/data/grounding-nih.jsonl" \
  --texts "$here/grounding-chest.txt" --max-images 3 --image-size "$SIZE" --out "$OUT/grounding/chest"
stage "ground medpix" "${cli[@]}" ground --encoder "$OUT/encoders/convirt-medpix" --data "$OUT/data/grounding-medpix.jsonl" \
  --texts "$here/grounding-medpix.txt" --max-images 3 --image-size "$SIZE" --out "$OUT/grounding/medpix"

# ---- report --------------------------------------------------------------------------------------------------
folders=$(find "$OUT/eval" -mindepth 2 -maxdepth 2 -type d ! -name 'sheets-*' | sort | paste -sd, -)
rm -f "$OUT/done/report"
stage "report" "${cli[@]}" report --runs "$folders" --out "$OUT/report"
python3 "$here/tables.py" "$OUT" > "$OUT/tables.md"
echo "finished $(date -u +%FT%TZ); total $(awk -F'\t' '{s+=$2} END {printf "%.0f", s}' "$timings") s in stages" | tee -a "$log"
if [[ "${COPY_DOCS:-0}" == 1 ]]; then
  # docs/results/ also holds files of other pages (grounding/, nih-zeroshot.json: docs/evaluation.md) and the first
  # edition (first-edition/): only this run's own outputs are replaced.
  dest="$root/docs/results"; mkdir -p "$dest"
  rm -rf "$dest/eval" "$dest/sheets" "$dest/maps" "$dest/pretrain" "$dest"/*.png
  cp "$OUT/tables.md" "$OUT/timings.tsv" "$OUT/log.txt" "$OUT/scaling.svg" "$OUT/report/"*.png "$OUT/report/report.md" "$dest/"
  (cd "$OUT/eval" && find . \( -name '*.json' -o -name '*.md' \) -print0) |
    while IFS= read -r -d '' f; do mkdir -p "$dest/eval/$(dirname "$f")"; cp "$OUT/eval/$f" "$dest/eval/$f"; done
  # two of the 33 contact sheets each ConVIRT run writes (about 1 MB each): a bacterial-pneumonia description for the
  # chest encoder (query 6 of pneumonia-queries.jsonl), a thorax description for the MedPix one (query 3)
  chest=$(cut -d, -f1 < "$OUT/encoders/convirt-chest/SOURCE.txt"); mkdir -p "$dest/sheets"
  cp "$OUT/eval/$chest/sheets-subtype/query-006.png" "$dest/sheets/$chest-subtype-bacterial.png"
  cp "$OUT/eval/convirt-medpix/sheets-location/query-003.png" "$dest/sheets/convirt-medpix-location-thorax.png"
  cp -r "$OUT/grounding" "$dest/maps"
  for run in "$OUT"/pretrain/*; do
    mkdir -p "$dest/pretrain/$(basename "$run")"; cp "$run/config.json" "$run/metrics.jsonl" "$dest/pretrain/$(basename "$run")/"
  done
fi
echo "results: $OUT/tables.md, $OUT/report/report.md, encoders in $OUT/encoders/"
