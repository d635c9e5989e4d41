#!/usr/bin/env bash
# Reproduces docs/results.md: the notebook's comparison on the default model (all-MiniLM-L6-v2), one epoch over
# the full GLUE SST-2 train set per method, docs/adapters.md's recipe (batch 32, AdamW, 6% warm-up then linear decay,
# clip 1.0, seed 42, evaluation every 500 steps and at the end), each method at its default learning rate.
# Usage: scripts/reproduce-results.sh [DATA_DIR] [OUT_DIR] [EPOCHS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data}"
out="${2:-$root/runs/results}"
epochs="${3:-1}"
methods="${METHODS:-lora salt_edora head_only dora salt edora full}"
mkdir -p "$out"
for method in $methods; do
  if [[ -f "$out/$method/summary.json" ]]; then
    echo "== $method: done already ($out/$method)"; continue
  fi
  echo "== $method"
  "$root/tunestream" train --method "$method" --epochs "$epochs" --data-dir "$data" --out "$out/$method"
done
dirs=()
for method in $methods; do [[ -f "$out/$method/summary.json" ]] && dirs+=("$out/$method"); done
"$root/tunestream" report "${dirs[@]}"
