#!/usr/bin/env bash
# Records data/real-cpt/kjv-pystdlib-w64.jsonl: a dense continual-pre-training sweep on real text, every
# evaluation a loss event of the shared schema, made by the trainer's own CLI (`cmrwatch train pretrain`, then
# `cmrwatch train cpt` per domain share and seed). Then data/real-cpt/truth.py measures the CMR from the curves.
#   data/real-cpt/sweep.sh                       # all of it (hours on 2 cores); resumable: run it again after a stop
#   SHARES="0.05 0.4" SEEDS=1 data/real-cpt/sweep.sh   # a subset (e.g. the coarse pilot); finished runs are skipped
#   WORK=/tmp/x JOBS=1 data/real-cpt/sweep.sh   # where checkpoints and logs go (default ~/.cache/cmrwatch/real-cpt);
#                                                # training processes at a time
# Each training process uses one intra-op thread (the machine is shared); JOBS=2 (default) runs two at once, which
# on 2 cores gave 1.2x the tokens/s of one. Needs the corpora (data/corpora.sh) and Java.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
name=kjv-pystdlib-w64
work="${WORK:-$HOME/.cache/cmrwatch/real-cpt}"
jobs="${JOBS:-2}"
shares="${SHARES:-0.05 0.1 0.15 0.2 0.25 0.3 0.35 0.4 0.5 0.7}"
seeds="${SEEDS:-1 2}"
general="$root/data/corpora/general.txt"
domain="$root/data/corpora/domain.txt"
# The recipe (written into the dataset's truth file by truth.py from $work/recipe.json).
width=64 layers=2 heads=4 context=64 batch=16
pretrain_tokens=4000000 pretrain_lr=2e-3 pretrain_warmup=100
budget=1048576 eval_every=32768 cpt_lr=1e-3 cpt_warmup=50 validation=128
if [ ! -f "$general" ] || [ ! -f "$domain" ]; then
  echo "sweep.sh: no corpora in $root/data/corpora; build them with data/corpora.sh" >&2
  exit 1
fi
mkdir -p "$work/events" "$work/logs" "$work/ckpt"
# A frozen copy of the program, so that rebuilding the checkout does not change the trainer mid-sweep.
if [ ! -f "$work/app/cmrwatch.jar" ]; then
  "$root/cmrwatch" --version >/dev/null
  mkdir -p "$work/app"
  cp -r "$root/cli/target/cmrwatch.jar" "$root/cli/target/lib" "$work/app/"
  git -C "$root" rev-parse HEAD >"$work/app/commit" 2>/dev/null || echo unknown >"$work/app/commit"
fi
cmrwatch() { OMP_NUM_THREADS=1 java -Dai.djl.offline=true -jar "$work/app/cmrwatch.jar" "$@"; }
export -f cmrwatch
export work general domain budget eval_every cpt_lr cpt_warmup validation batch name

cat >"$work/recipe.json" <<JSON
{"experiment":"$name","model":{"width":$width,"layers":$layers,"heads":$heads,"context":$context,"ffnMultiplier":4},
 "batchSize":$batch,"pretrain":{"tokens":$pretrain_tokens,"learningRate":$pretrain_lr,"warmupSteps":$pretrain_warmup,
 "schedule":"linear warm-up, cosine decay to a tenth","seed":1},
 "cpt":{"budgetTokens":$budget,"evalEveryTokens":$eval_every,"learningRate":$cpt_lr,"warmupSteps":$cpt_warmup,
 "schedule":"linear warm-up, then constant","validationWindows":$validation},
 "threadsPerProcess":1,"parallelProcesses":$jobs,"trainerCommit":"$(cat "$work/app/commit")",
 "corpora":{"general":"$(sha256sum "$general" | cut -d' ' -f1)","domain":"$(sha256sum "$domain" | cut -d' ' -f1)"}}
JSON

if [ ! -f "$work/base/model.params" ]; then
  echo "$(date -Is) pre-training the base model ($pretrain_tokens tokens), load $(cut -d' ' -f1-3 /proc/loadavg)"
  start=$(date +%s)
  cmrwatch train pretrain --corpus "$general" --tokens "$pretrain_tokens" --out "$work/base.tmp" \
    --width "$width" --layers "$layers" --heads "$heads" --context "$context" --batch-size "$batch" \
    --lr "$pretrain_lr" --warmup-steps "$pretrain_warmup" --seed 1 --threads 1 \
    --validation-sequences "$validation" --device cpu -q >"$work/logs/pretrain.out" 2>"$work/logs/pretrain.err"
  rm -rf "$work/base" && mv "$work/base.tmp" "$work/base"
  echo "pretrain $(date -Is) $(( $(date +%s) - start ))s load $(cut -d' ' -f1-3 /proc/loadavg)" >>"$work/logs/wall.txt"
  cat "$work/logs/pretrain.out"
fi

one() {
  local share="$1" seed="$2"
  local run; run=$(printf 'r%04d-s%d' "$(awk -v r="$share" 'BEGIN { printf "%d", r * 1000 + 0.5 }')" "$seed")
  if [ -f "$work/events/$run.done" ]; then return 0; fi
  local start; start=$(date +%s)
  local load0; load0=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "$(date -Is) start $run (R = $share, seed $seed), load $load0"
  cmrwatch train cpt --base "$work/base" --general "$general" --domain "$domain" --ratio "$share" \
    --budget-tokens "$budget" --eval-every "$eval_every" --experiment "$name" --run "$run" --no-publish \
    --events-out "$work/events/$run.jsonl" --checkpoint-dir "$work/ckpt/$run" --checkpoint-every 4 \
    --advice-policy off --batch-size "$batch" --lr "$cpt_lr" --warmup-steps "$cpt_warmup" --seed "$seed" \
    --threads 1 --validation-sequences "$validation" --device cpu -q \
    >>"$work/logs/$run.out" 2>>"$work/logs/$run.err" \
    || { echo "$(date -Is) $run failed (see $work/logs/$run.err); run sweep.sh again to resume it" >&2; return 1; }
  echo "$run $(date -Is) $(( $(date +%s) - start ))s load-start $load0 load-end $(cut -d' ' -f1-3 /proc/loadavg)" \
    >>"$work/logs/wall.txt"
  touch "$work/events/$run.done"
  rm -rf "$work/ckpt/$run"
  echo "$(date -Is) done $run"
}
export -f one
for seed in $seeds; do for share in $shares; do echo "$share $seed"; done; done \
  | xargs -P "$jobs" -L 1 bash -c 'one "$0" "$1"'

# The dataset: every finished run's events, runs in name order, each run's events in token order.
out="$root/data/real-cpt/$name.jsonl"
ls "$work/events"/*.done >/dev/null 2>&1 || { echo "no finished runs" >&2; exit 1; }
for d in "$work/events"/*.done; do cat "${d%.done}.jsonl"; done >"$out.tmp"
mv "$out.tmp" "$out"
echo "$(wc -l <"$out") events of $(ls "$work/events"/*.done | wc -l) runs in $out"
