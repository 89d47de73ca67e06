#!/usr/bin/env bash
# Ingest throughput, end to end onto the topic: starts `cmrwatch broker` and `cmrwatch ingest serve` (each its own
# JVM, on free loopback ports), then a separate load process (bench module, io.cmrwatch.bench.ingest.IngestLoad)
# posts NDJSON batches of BATCH (1,000) events over CONCURRENCY (4) connections. A 202 is only sent once Kafka has
# acknowledged every event of the batch (idempotent producer, acks=all), so accepted events/s is what reached the
# topic. Prints WARMUPS (2) warm-up rounds, ROUNDS (3) measured rounds of EVENTS (300,000) events, their medians
# (events/s, p50 and p99 request latency), the CPU time the ingest and broker processes spent per 1,000 events, and
# the load average.
#   bench/ingest-load.sh
#   EVENTS=500000 CONCURRENCY=8 bench/ingest-load.sh
set -euo pipefail
# shellcheck source=bench/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
bench_setup io/cmrwatch/bench/ingest
start_broker

token="bench-token-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
echo "$token" >"$work/tokens"
# shellcheck disable=SC2086
java ${INGEST_JAVA_OPTS:-} -jar "$jar" ingest serve --bootstrap "$bootstrap" --port 0 --tokens-file "$work/tokens" \
  ${INGEST_ARGS:-} >"$work/ingest" 2>"$work/ingest.err" &
pids+=($!)
ingest_pid=$!
url=$(await_line "$work/ingest" "ingest: http" | sed -E 's#^ingest: (http://[0-9.:]+)/v1/events.*#\1#')
for _ in $(seq 1 120); do
  curl -fsS "$url/health" >/dev/null 2>&1 && break
  sleep 0.5
done

tick=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$tick" '{ printf "%d", ($14 + $15) * 1000 / t }' "/proc/$1/stat"; }
ingest_cpu0=$(cpu_ms "$ingest_pid")
broker_cpu0=$(cpu_ms "$broker_pid")
echo "broker $bootstrap, ingest $url; load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# shellcheck disable=SC2086
java ${LOAD_JAVA_OPTS:-} -cp "$root/bench/target/classes" io.cmrwatch.bench.ingest.IngestLoad "$url" "$token" \
  "${EVENTS:-300000}" "${BATCH:-1000}" "${CONCURRENCY:-4}" "${ROUNDS:-3}" "${WARMUPS:-2}"
# CPU time per event does not depend on what else the machine runs; it bounds what 2 free cores could take.
total=$(( ${EVENTS:-300000} * (${ROUNDS:-3} + ${WARMUPS:-2}) ))
ingest_cpu=$(( $(cpu_ms "$ingest_pid") - ingest_cpu0 ))
broker_cpu=$(( $(cpu_ms "$broker_pid") - broker_cpu0 ))
awk -v i="$ingest_cpu" -v b="$broker_cpu" -v n="$total" 'BEGIN {
  printf "CPU per 1,000 events (all rounds, warm-up included): ingest %.1f ms, broker %.1f ms\n", i * 1000 / n, b * 1000 / n
}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
