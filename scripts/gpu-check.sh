#!/usr/bin/env bash
# The GPU check (docs/operations.md, "Devices"): on a machine with an NVIDIA GPU and DJL's CUDA build of libtorch,
# runs the tests tagged gpu, `bench --device cuda` and a 300-step lora run on the GPU in fp32 and in fp16, and prints step times, memory
# and accuracy. DJL's CUDA libtorch is not on this project's Maven mirror: point PYTORCH_LIBRARY_PATH at a CUDA build
# of the libtorch DJL expects (see `./tunestream bench` output, "engine:") and set PYTORCH_FLAVOR (e.g. cu128).
# Usage: scripts/gpu-check.sh [DATA_DIR] [OUT_DIR]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data}"
out="${2:-$root/runs/gpu-check-$(date +%Y%m%d-%H%M%S)}"

if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  echo "gpu-check: no NVIDIA GPU here (nvidia-smi finds none); this check needs one" >&2
  exit 2
fi
if [[ -z "${PYTORCH_LIBRARY_PATH:-}" ]]; then
  echo "gpu-check: set PYTORCH_LIBRARY_PATH to a CUDA build of libtorch (and PYTORCH_FLAVOR, e.g. cu128)" >&2
  exit 2
fi
export OPT_OUT_TRACKING=true PYTORCH_LIBRARY_PATH PYTORCH_FLAVOR="${PYTORCH_FLAVOR:-cu128}"
mkdir -p "$out"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.csv"

cd "$root"
mvn -B -q -DskipTests install
echo "== tests tagged gpu"
mvn -B -pl worker surefire:test -Dgroups=gpu -Dtunestream.excludedGroups= 2>&1 | tee "$out/gpu-tests.log" | grep -E "Tests run:|FAIL"

echo "== bench --device cuda"
./tunestream bench --device cuda --data-dir "$data" --json > "$out/bench.json"
cat "$out/bench.json"

for precision in fp32 fp16; do
echo "== 300 lora steps on cuda in $precision"
./tunestream train --device cuda --precision "$precision" --method lora --max-steps 300 --eval-every 100 --data-dir "$data" \
  --out "$out/lora-$precision" --json-summary "$out/lora-$precision-summary.json"
python3 - "$out/lora-$precision/metrics.jsonl" "$out/lora-$precision-summary.json" <<'PY'
import json, statistics, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if '"type":"step"' in l]
millis = sorted(s["stepMillis"] for s in steps[10:])
summary = json.load(open(sys.argv[2]))
print(f"median step {statistics.median(millis):.1f} ms, p90 {millis[int(0.9 * len(millis))]:.1f} ms over {len(millis)} steps,"
      f" {sum(1 for s in steps if s.get('skipped'))} skipped")
print(f"best {summary['metric']} {summary['bestScore']:.4f} at step {summary['bestStep']}, {summary['samplesPerSecond']:.0f} samples/s")
PY
done
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.csv"

cd "$root"
mvn -B -q -DskipTests install
echo "== tests tagged gpu"
mvn -B -pl worker surefire:test -Dgroups=gpu -Dtunestream.excludedGroups= 2>&1 | tee "$out/gpu-tests.log" | grep -E "Tests run:|FAIL"

echo "== bench --device cuda"
./tunestream bench --device cuda --data-dir "$data" --json > "$out/bench.json"
cat "$out/bench.json"

echo "== 300 lora steps on cuda"
./tunestream train --device cuda --method lora --max-steps 300 --eval-every 100 --data-dir "$data" \
  --out "$out/lora" --json-summary "$out/lora-summary.json"
python3 - "$out/lora/metrics.jsonl" "$out/lora-summary.json" <<'PY'
import json, statistics, sys
steps = [json.loads(l) for l in open(sys.argv[1]) if '"type":"step"' in l]
millis = sorted(s["stepMillis"] for s in steps[10:])
summary = json.load(open(sys.argv[2]))
print(f"median step {statistics.median(millis):.1f} ms, p90 {millis[int(0.9 * len(millis))]:.1f} ms over {len(millis)} steps")
print(f"best {summary['metric']} {summary['bestScore']:.4f} at step {summary['bestStep']}, {summary['samplesPerSecond']:.0f} samples/s")
PY
nvidia-smi --query-gpu=memory.used --format=csv | tee -a "$out/gpu.csv"
echo "gpu-check: results in $out"
