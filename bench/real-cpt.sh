#!/usr/bin/env bash
# The CMR estimate on real training curves against the CMR measured from them. Takes the runs a user would train
# (RUNS, default six shares of seed 1) out of the recorded sweep data/real-cpt/kjv-pystdlib-w64.jsonl, and
#   1. fits them with `cmrwatch fit --observed-fraction F` for F = 0.25, 0.5, 0.75, 1.0;
#   2. replays them through the streams app on an embedded broker (`cmrwatch demo --replay`), recording every
#      estimate it publishes;
# then writes the table into docs/real-cpt.md (between its real-cpt:table markers) and plots the streams app's
# estimate and interval over tokens, the fits at each F and the empirical CMR (from the .truth.json beside the
# dataset) into docs/real-cpt-convergence.png. Re-run it whenever the estimator changes.
#   bench/real-cpt.sh
#   RUNS=r0100-s2,r0300-s2,... bench/real-cpt.sh     # other runs of the sweep
# Needs: Java, Maven, python3 with matplotlib (apt-get install -y python3-matplotlib).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${DATA:-$root/data/real-cpt/kjv-pystdlib-w64.jsonl}"
truth="${data%.jsonl}.truth.json"
runs="${RUNS:-$(/usr/bin/python3 "$root/bench/real-cpt/report.py" --default-runs "$truth")}"
py=/usr/bin/python3 # Debian's, with python3-matplotlib
"$py" -c "import matplotlib" 2>/dev/null || { echo "matplotlib for $py is missing: apt-get install -y python3-matplotlib" >&2; exit 1; }
"$root/cmrwatch" --version >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "runs: $runs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
python3 - "$data" "$runs" >"$work/subset.jsonl" <<'PY'
import json, sys
keep = set(sys.argv[2].split(","))
for line in open(sys.argv[1]):
    if line.strip() and json.loads(line)["run"] in keep:
        sys.stdout.write(line)
PY
budget=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["budgetTokens"])' "$truth")
unit=$(python3 -c "print($budget / 100)")
for f in 0.25 0.5 0.75 1.0; do
  "$root/cmrwatch" fit --events "$work/subset.jsonl" --observed-fraction "$f" --token-unit "$unit" \
    >"$work/fit-$f.json" 2>"$work/fit-$f.err"
done
# The streams app: the runs' evaluation rounds in token order, one every 1.5 s (time to refit between rounds).
"$root/cmrwatch" demo --replay "$work/subset.jsonl" --replay-pace "${PACE_MS:-1500}" --estimates-out "$work/estimates.jsonl" \
  --exit --minutes 15 --broker-port 0 --http-port 0 --ingest-port 0 --data-dir "$work/demo" >"$work/demo.out" 2>&1 \
  || { cat "$work/demo.out" >&2; exit 1; }
tail -3 "$work/demo.out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$py" "$root/bench/real-cpt/report.py" "$truth" "$work" "$runs" "$root/docs/real-cpt.md" "$root/docs/real-cpt-convergence.png"
