#!/usr/bin/env bash
# Start time and memory of the embedded Kafka broker: starts `cmrwatch broker` RUNS times (default 5), each on a fresh
# data dir and a free port, and measures the time from process start to its bootstrap line on stdout, and the process's
# resident memory (VmRSS) and CPU time used (user + system) at that moment. Prints each run, the medians and the load
# average (the wall time grows with the machine's load; the CPU time much less).
#   bench/broker-start.sh                 # builds the jar first when it is missing or stale
#   RUNS=9 JAVA_OPTS=-Xmx512m bench/broker-start.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="$root/cli/target/cmrwatch.jar"
runs="${RUNS:-5}"
"$root/cmrwatch" --version >/dev/null # builds cli/target/cmrwatch.jar when missing or older than the sources

work="$(mktemp -d)"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

tick=$(getconf CLK_TCK)
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
echo "run  ready_ms  cpu_ms  rss_MiB"
for i in $(seq 1 "$runs"); do
  data="$work/data-$i"
  fifo="$work/out-$i"
  mkfifo "$fifo"
  start=$(date +%s%N)
  # shellcheck disable=SC2086
  java ${JAVA_OPTS:-} -jar "$jar" broker --port 0 --data-dir "$data" >"$fifo" 2>"$work/err-$i" &
  pid=$!
  exec 3<"$fifo"
  if ! read -r -t 120 -u 3 line || [[ "$line" != "cmrwatch broker: bootstrap "* ]]; then
    echo "run $i: no bootstrap line within 120 s; stderr:" >&2
    cat "$work/err-$i" >&2
    exit 1
  fi
  ready=$(date +%s%N)
  rss_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
  cpu=$(awk -v t="$tick" '{ printf "%d", ($14 + $15) * 1000 / t }' "/proc/$pid/stat")
  kill -TERM "$pid"
  wait "$pid" || true
  exec 3<&-
  pid=""
  ms=$(( (ready - start) / 1000000 ))
  mib=$(awk -v k="$rss_kib" 'BEGIN { printf "%.0f", k / 1024 }')
  printf "%3d  %8d  %6d  %7d\n" "$i" "$ms" "$cpu" "$mib"
  echo "$ms" >>"$work/ms"
  echo "$cpu" >>"$work/cpu"
  echo "$mib" >>"$work/mib"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "median ready: $(median <"$work/ms") ms, median CPU: $(median <"$work/cpu") ms, median RSS: $(median <"$work/mib") MiB ($runs runs, $(java -version 2>&1 | head -1))"
