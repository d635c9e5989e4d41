#!/usr/bin/env bash
# Runs examples/tpe-sweep.yaml on this machine: a local broker, a coordinator and two workers (one intra-op thread
# each, so that two libtorch processes share two cores instead of fighting over them), the 24-sample TPE + ASHA
# search for lora on an SST-2 subset, then prints its results. docs/results.md, "A TPE search with ASHA", holds what it gave.
# Usage: scripts/reproduce-tpe.sh [DATA_DIR] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data}"
out="${2:-$root/runs/tpe}"
mkdir -p "$out"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null' EXIT
"$root/tunestream" broker --port 0 --data-dir "$out/kafka" >"$out/broker.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do
  grep -q "broker ready" "$out/broker.log" && break
  sleep 0.5
done
export TUNESTREAM_BOOTSTRAP_SERVERS="$(grep -m1 -o '^127\.0\.0\.1:[0-9]*' "$out/broker.log")"
"$root/tunestream" coordinator --http-port 0 >"$out/coordinator.log" 2>&1 &
pids+=($!)
for i in 1 2; do
  OMP_NUM_THREADS=1 "$root/tunestream" worker --worker-id "w$i" --data-dir "$data" --checkpoint-dir "$out/checkpoints" \
    >"$out/worker-$i.log" 2>&1 &
  pids+=($!)
done
start=$(date +%s)
"$root/tunestream" submit "$root/examples/tpe-sweep.yaml"
# until all 24 runs have finished (the coordinator proposes 16 of them as results arrive)
while true; do
  sleep 15
  finished=$({ "$root/tunestream" status lora-tpe 2>/dev/null || true; } \
    | awk 'NR > 1 && $2 ~ /SUCCEEDED|STOPPED|FAILED|CANCELLED/' | wc -l)
  echo "$(date +%H:%M:%S)  $finished of 24 finished"
  [[ "$finished" -ge 24 ]] && break
done
echo "wall time: $(( $(date +%s) - start )) s"
"$root/tunestream" results lora-tpe --format markdown | tee "$out/results.md"
