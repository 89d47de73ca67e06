#!/usr/bin/env bash
# Training speed of the agent's DJL model against the same architecture in PyTorch from Python (Debian's
# python3-torch, run with /usr/bin/python3), side by side in one run: same threads, batch, context and model shape,
# alternating ROUNDS times (default 3). Prints each measurement, the medians of tokens/s and peak RSS, and the ratio
# DJL / PyTorch of the medians (target >= 0.9). Then loss parity: both start from the same initial weights (DJL's,
# exported as .npy) and train on the same batches — PARITY_STEPS (default 450) steps of real text (data/corpora's
# general corpus when built, else builtin:general) and of the timing's 8 random-byte batches — and the script prints
# the largest per-step relative loss difference, the final losses (mean of the last 8 steps) and their ratio, and the
# time each takes to reach the twin's final loss at the median tokens/s.
#   bench/trainer-speed.sh                        # width 64, 2 layers, 4 heads, context 64, batch 16, 1 thread
#   THREADS=2 ROUNDS=5 STEPS=300 bench/trainer-speed.sh   # 2 threads only on an idle machine: OpenMP spin-waits
#                                                          # collapse on a loaded one
# The warm-up is long on purpose: the JVM compiles DJL's Java side in its first seconds, and that CPU time would
# otherwise be counted against it. Needs: apt-get install -y python3-torch
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
width="${WIDTH:-64}" layers="${LAYERS:-2}" heads="${HEADS:-4}" context="${CONTEXT:-64}" batch="${BATCH:-16}"
warmup="${WARMUP:-150}" steps="${STEPS:-300}" threads="${THREADS:-1}" rounds="${ROUNDS:-3}"
parity_steps="${PARITY_STEPS:-450}"
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

# Loss parity from the same initial weights on the same batches.
text="$root/data/corpora/general.txt"
[ -f "$text" ] || text=builtin:general
for data in "$text" random; do
  dir="$work/parity-$(basename "$data" | tr -c 'a-z0-9\n' -)"
  corpus=(); [ "$data" = random ] || corpus=("$data")
  mkdir -p "$dir"
  # shellcheck disable=SC2086
  OMP_NUM_THREADS="$threads" java ${JAVA_OPTS:-} -Dai.djl.offline=true -cp "$cp" io.cmrwatch.trainer.speed.TrainingParity \
    "$width" "$layers" "$heads" "$context" "$batch" "$parity_steps" "$threads" "$dir" "${corpus[@]}" \
    2>"$work/djl-err" | tail -1 >"$dir/djl.json"
  OMP_NUM_THREADS="$threads" "$py" "$root/bench/trainer/torch_twin.py" --parity "$dir" "$width" "$layers" "$heads" \
    "$context" "$batch" "$parity_steps" "$threads" >"$dir/torch.json"
  "$py" - "$dir" "$data" "$djl_tps" "$torch_tps" "$((batch * context))" <<'PY'
import json, sys
d, data, djl_tps, torch_tps, per_step = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
a = json.load(open(f"{d}/djl.json"))["losses"]
b = json.load(open(f"{d}/torch.json"))["losses"]
worst = max(range(len(a)), key=lambda i: abs(a[i] / b[i] - 1))
fa, fb = sum(a[-8:]) / 8, sum(b[-8:]) / 8
def reach(losses, target):  # first step whose trailing 8-step mean is at or below the target
    for i in range(7, len(losses)):
        if sum(losses[i - 7:i + 1]) / 8 <= target:
            return i + 1
    return None
sa, sb = reach(a, fb), reach(b, fb)
label = "random bytes (8 batches in turn)" if data == "random" else f"text ({data})"
print(f"loss parity, {label}, {len(a)} steps from the same initial weights:")
print(f"  largest per-step difference {abs(a[worst] / b[worst] - 1) * 100:.4f} % (step {worst + 1}: DJL {a[worst]:.5f},"
      f" PyTorch {b[worst]:.5f}); first step {a[0]:.5f} vs {b[0]:.5f}")
print(f"  final loss (mean of last 8 steps): DJL {fa:.4f}, PyTorch {fb:.4f}, ratio {fa / fb:.4f} (target within 2 %)")
if sa and sb:
    print(f"  time to PyTorch's final loss at the median tokens/s: DJL {sa * per_step / djl_tps:.1f} s ({sa} steps),"
          f" PyTorch {sb * per_step / torch_tps:.1f} s ({sb} steps)")
else:
    print(f"  DJL {'never reaches' if not sa else f'reaches it at step {sa}'} PyTorch's final loss within the run")
PY
done
