#!/usr/bin/env bash
# Streams app load: starts `cmrwatch broker` and `cmrwatch streams` (each its own JVM, on free loopback ports), then
# the load driver (bench module, io.cmrwatch.bench.streams.StreamsLoad) in a third JVM: first a warm-up that is not
# measured (WARMUP_SECONDS, 60, of fresh runs at RATE; 0 measures a cold JVM), then RUNS (1,000) runs × EVALS
# (200) evaluations as fast as they go (events/s through the app with refits on), a raw kafka-clients consumer on the
# same topic in the same run (and the ratio), then a steady RATE (5,000) events/s for STEADY_SECONDS (30) with the
# event-to-estimate latency p50/p99, and the app's RSS after each phase. The throughput phase also reports the CPU
# time of the app and of the broker per 1,000 events (less sensitive to other load than events/s).
#   bench/streams-load.sh
#   WARMUP_SECONDS=0 RUNS=10000 EVALS=20 STEADY_SECONDS=0 bench/streams-load.sh   # memory with 10,000 live runs
# STREAMS_JAVA_OPTS (default -Xmx512m) sizes the app's heap; STREAMS_CONFIG names a --config file for the app (e.g.
# cmrwatch.kafka.* settings); CMRWATCH_* environment variables reach it too.
set -euo pipefail
# shellcheck source=bench/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
bench_setup io/cmrwatch/bench/streams/StreamsLoad.class
start_broker

# shellcheck disable=SC2086
CMRWATCH_STATE_DIR="$work/state" java ${STREAMS_JAVA_OPTS:--Xmx512m} -jar "$jar" streams --bootstrap "$bootstrap" \
  --http-port 0 ${STREAMS_CONFIG:+--config "$STREAMS_CONFIG"} >"$work/streams" 2>"$work/streams.err" &
app_pid=$!
pids+=("$app_pid")
url=$(await_line "$work/streams" "cmrwatch streams:" | sed -E 's#.*HTTP (http://[0-9.:]+)/.*#\1#')
for _ in $(seq 1 240); do
  curl -fsS "$url/health" >/dev/null 2>&1 && break
  sleep 0.5
done

echo "broker $bootstrap, streams app $url; load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# shellcheck disable=SC2086
java ${LOAD_JAVA_OPTS:-} -Dlogback.configurationFile="$root/cli/src/main/resources/logback.xml" -cp "$root/bench/target/classes:$root/cli/target/lib/*" io.cmrwatch.bench.streams.StreamsLoad \
  "$bootstrap" "$url" cpt.loss-events "${RUNS:-1000}" "${EVALS:-200}" "${RATE:-5000}" "${STEADY_SECONDS:-30}" \
  "$app_pid" "$broker_pid" "${WARMUP_SECONDS:-60}"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
