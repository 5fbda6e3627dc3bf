#!/usr/bin/env bash
# The adult chest X-ray figures of docs/evaluation.md (issue 16): linear probe (pneumonia AUC at 10 % and 100 % of
# the train labels), image-image retrieval by pneumonia, zero-shot pneumonia vs no finding (prompts/nih-cxr-pneumonia.jsonl)
# for random, imagenet and a ConVIRT encoder pretrained on covid-cxr, plus a few grounding maps.
# Usage: bash bench/evaluation/nih-cxr.sh OUT [CONVIRT_RUN]   (without CONVIRT_RUN it pretrains one into OUT/covid-convirt)
# Not a test: CI never runs it. ~10 min on 2 idle cores after the pretraining (~8 min).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:?usage: nih-cxr.sh OUT [CONVIRT_RUN]}"
data="${CONVIRT_SHARED_DATA:-$here/../shared/data}"
nih="$data/nih-cxr/manifest.jsonl"
convirt="$here/convirt"
mkdir -p "$out"
run="${2:-$out/covid-convirt}"
if [[ -z "${2:-}" && ! -f "$run/best/model.safetensors" ]]; then
    "$convirt" pretrain --train "$data/covid-cxr/manifest.jsonl" --out "$run" --image-size 224 --epochs 12 --seed 1
fi
for e in random imagenet "$run"; do
    name=$(basename "$e")
    "$convirt" evaluate linear --encoder "$e" --train "$nih" --test "$nih" --label pneumonia --train-split train --test-split val \
        --fractions 0.1,1 --runs 3 --out "$out/linear-$name"
    "$convirt" evaluate retrieval --encoder "$e" --queries "$nih" --candidates "$nih" --label pneumonia \
        --query-split val --candidate-split train --ks 5,10,50 --out "$out/retrieval-$name"
done
"$convirt" evaluate zeroshot --encoder "$run" --data "$nih" --split val --mode pairs --prompts "$here/prompts/nih-cxr-pneumonia.jsonl" \
    --out "$out/zeroshot-$(basename "$run")"
for e in random imagenet; do   # no text tower: refused with the reason (kept in the log)
    "$convirt" evaluate zeroshot --encoder "$e" --data "$nih" --split val --mode pairs --prompts "$here/prompts/nih-cxr-pneumonia.jsonl" || true
done
printf '%s\n' "Focal airspace consolidation consistent with pneumonia." "The lungs are clear. No focal consolidation." > "$out/phrases.txt"
"$convirt" ground --encoder "$run" --data "$nih" --split val --texts "$out/phrases.txt" --max-images 2 --out "$out/grounding"
"$convirt" report --runs "$out" --out "$out/report"
