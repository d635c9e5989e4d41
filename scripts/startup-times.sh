#!/usr/bin/env bash
# Measures how long the common commands that train nothing take, start to exit: methods, status --help, and status
# and results against a local broker holding a queued sweep (examples/tasks-sweep.yaml, 9 runs; no workers, so they
# stay queued). Each command runs once untimed (a first run after a build writes its class data sharing archive,
# docs/operations.md, Start-up), then RUNS times; the median wall time is printed. LAUNCHER names another checkout's
# launcher, to compare builds in one run: the broker and sweep are this checkout's.
# Usage: scripts/startup-times.sh [RUNS]     (LAUNCHER=../old/tunestream, TUNESTREAM_CDS=off as wanted)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs="${1:-5}"
launcher="${LAUNCHER:-$root/tunestream}"
log="$(mktemp)"
"$root/tunestream" broker --port 0 >"$log" 2>&1 &
broker=$!
trap 'kill "$broker" 2>/dev/null; wait "$broker" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 120); do
  grep -q "broker ready" "$log" && break
  kill -0 "$broker" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
export TUNESTREAM_BOOTSTRAP_SERVERS="$(grep -m1 -o '^127\.0\.0\.1:[0-9]*' "$log")"
"$root/tunestream" submit "$root/examples/tasks-sweep.yaml" >/dev/null
sweep=$(awk '$1 == "sweep:" {print $2; exit}' "$root/examples/tasks-sweep.yaml")

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
echo "launcher: $launcher; $runs runs each; $(nproc) cores; TUNESTREAM_CDS=${TUNESTREAM_CDS:-on}"
for command in "methods" "status --help" "status" "results $sweep"; do
  # shellcheck disable=SC2086
  "$launcher" $command >/dev/null 2>&1 || true
  for _ in $(seq 1 "$runs"); do
    start=$(date +%s%N)
    # shellcheck disable=SC2086
    "$launcher" $command >/dev/null 2>&1
    echo $(( ($(date +%s%N) - start) / 1000000 ))
  done | median | awk -v c="$command" '{printf "%-16s %.2f s (median)\n", c, $1 / 1000}'
done
