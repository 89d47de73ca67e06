#!/usr/bin/env bash
# Training speed of the agent's DJL model against the same architecture in PyTorch from Python (Debian's
# python3-torch, run with /usr/bin/python3), side by side in one run: same threads, batch, context and model shape,
# alternating ROUNDS times (default 3). Prints each measurement, the medians of tokens/s and peak RSS, and the ratio
# DJL / PyTorch of the medians (target >= 0.9).
#   bench/trainer-speed.sh                        # width 64, 2 layers, 4 heads, context 64, batch 16, 1 thread
#   THREADS=2 ROUNDS=5 STEPS=300 bench/trainer-speed.sh   # 2 threads only on an idle machine: OpenMP spin-waits
#                                                          # collapse on a loaded one
# The warm-up is long on purpose: the JVM compiles DJL's Java side in its first seconds, and that CPU time would
# otherwise be counted against it. Needs: apt-get install -y python3-torch
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
width="${WIDTH:-64}" layers="${LAYERS:-2}" heads="${HEADS:-4}" context="${CONTEXT:-64}" batch="${BATCH:-16}"
warmup="${WARMUP:-150}" steps="${STEPS:-300}" threads="${THREADS:-1}" rounds="${ROUNDS:-3}"
py=/usr/bin/python3
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "PyTorch for $py is missing: apt-get install -y python3-torch" >&2
  exit 1
fi
"$root/cmrwatch" --version >/dev/null # builds cli/target/cmrwatch.jar when missing or stale
cp="$root/cli/target/cmrwatch.jar:$root/cli/target/lib/*"
args=("$width" "$layers" "$heads" "$context" "$batch" "$warmup" "$steps" "$threads")
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

echo "model: width $width, $layers layers, $heads heads, context $context; batch $batch; $threads threads;" \
  "$warmup warm-up + $steps timed steps; $rounds rounds"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for i in $(seq 1 "$rounds"); do
  # shellcheck disable=SC2086
  OMP_NUM_THREADS="$threads" java ${JAVA_OPTS:-} -Dai.djl.offline=true -cp "$cp" io.cmrwatch.trainer.speed.TrainingSpeed "${args[@]}" \
    2>"$work/djl-err" | tee -a "$work/djl"
  OMP_NUM_THREADS="$threads" "$py" "$root/bench/trainer/torch_twin.py" "${args[@]}" | tee -a "$work/torch"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
field() { sed -E "s/.*\"$1\": ?([0-9.]+).*/\1/" "$2" | median; }
djl_tps=$(field tokensPerSecond "$work/djl"); torch_tps=$(field tokensPerSecond "$work/torch")
djl_cpu=$(field tokensPerCpuSecond "$work/djl"); torch_cpu=$(field tokensPerCpuSecond "$work/torch")
djl_rss=$(field peakRssMiB "$work/djl"); torch_rss=$(field peakRssMiB "$work/torch")
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %14s %18s %14s\n' impl "tokens/s" "tokens/CPU-s" "peak RSS MiB"
printf '%-8s %14.0f %18.0f %14.0f\n' DJL "$djl_tps" "$djl_cpu" "$djl_rss" PyTorch "$torch_tps" "$torch_cpu" "$torch_rss"
awk -v a="$djl_tps" -v b="$torch_tps" -v c="$djl_cpu" -v d="$torch_cpu" 'BEGIN {
  printf "ratio DJL/PyTorch: %.2f in tokens/s, %.2f in tokens per CPU second (target >= 0.90)\n", a / b, c / d }'
