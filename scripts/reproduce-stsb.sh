#!/usr/bin/env bash
# Reproduces the STS-B table of docs/results.md: regression on sentence pairs (the public STS-B re-split in
# ../shared/data/stsb-resplit, 4,249 train and 1,500 dev pairs scored 0 to 5), all-MiniLM-L6-v2, each method at its
# default learning rate, the train defaults otherwise (batch 32, 6% warm-up then linear decay, seed 42), evaluated
# every 100 steps and at the end. Primary metric: the mean of Pearson and Spearman, GLUE's for STS-B.
# Usage: scripts/reproduce-stsb.sh [STSB_DIR] [OUT_DIR] [EPOCHS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data/stsb-resplit}"
out="${2:-$root/runs/stsb}"
epochs="${3:-3}"
methods="${METHODS:-lora dora salt salt_edora head_only full}"
mkdir -p "$out"
for method in $methods; do
  if [[ -f "$out/$method/summary.json" ]]; then
    echo "== $method: done already ($out/$method)"; continue
  fi
  echo "== $method"
  "$root/tunestream" train --method "$method" --epochs "$epochs" --eval-every 100 \
    --train-file "$data/train.csv" --dev-file "$data/dev.csv" --text-columns sentence1,sentence2 --label-column score \
    --out "$out/$method"
done
dirs=()
for method in $methods; do [[ -f "$out/$method/summary.json" ]] && dirs+=("$out/$method"); done
"$root/tunestream" report "${dirs[@]}"
