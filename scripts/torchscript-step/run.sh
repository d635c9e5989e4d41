#!/usr/bin/env bash
# docs/performance.md, "How far 80% is": (1) trains the same LoRA encoder eagerly and as a TorchScript graph, first in
# Debian's PyTorch, then in the worker's libtorch through DJL; (2) times the worker's attention against libtorch's
# fused attention kernel, reached through a TorchScript module. Needs `apt-get install -y python3-torch
# libopenblas0-pthread` and a built project (the launcher builds it). About 3 minutes on 2 cores. Extra JVM options
# come from TUNESTREAM_JAVA_OPTS, e.g. -Dai.djl.pytorch.graph_optimizer=false (TorchScript's graph executor off).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE THREADS=1 OPENBLAS_NUM_THREADS=2 \
  /usr/bin/python3 "$here/export_encoder.py" "$work/encoder.pt"
"$root/tunestream" --version > /dev/null   # builds the jars and the classpath file if they are stale
export OPT_OUT_TRACKING=true
preload="$root/worker/target/native/libtunestream-mkl.so"
tcmalloc=/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4
[[ -f "$tcmalloc" ]] && preload="$tcmalloc:$preload"
/usr/bin/python3 "$here/fused_attention_module.py" "$work/attention.pt"
export LD_PRELOAD="$preload" TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD=68719476736   # as the launcher sets them
java_command=(java -Xms1g -XX:+AlwaysPreTouch -Dai.djl.offline=true
  -cp "$root/cli/target/tunestream-cli.jar:$(cat "$root/cli/target/classpath.txt")")
# shellcheck disable=SC2086 # the user's options, split into words as the launcher does
"${java_command[@]}" ${TUNESTREAM_JAVA_OPTS:-} "$here/ScriptedStepBench.java" "$work/encoder.pt"
# shellcheck disable=SC2086
"${java_command[@]}" ${TUNESTREAM_JAVA_OPTS:-} "$here/FusedAttentionBench.java" "$work/attention.pt"
