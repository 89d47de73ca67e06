#!/usr/bin/env bash
# What Kafka Streams alone costs in delay, beside the streams app's figures: starts `cmrwatch broker`, then a Kafka
# Streams application with the app's settings and shape (source, repartition hop) that does no work of its own, at
# RATE (5,000) events/s for 20 s, once idle and once burning BURN_MS (50) of CPU per 100 ms in punctuations as refits
# do (io.cmrwatch.bench.streams.StreamsProbe). Prints p50/p99/max of send → source and send → after the hop.
#   bench/streams-probe.sh
#   RATE=1000 BURN_MS=60 bench/streams-probe.sh
set -euo pipefail
# shellcheck source=bench/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
bench_setup io/cmrwatch/bench/streams/StreamsProbe.class
start_broker
echo "broker $bootstrap; load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for burn in 0 "${BURN_MS:-50}"; do
  java -Dlogback.configurationFile="$root/cli/src/main/resources/logback.xml" \
    -cp "$root/bench/target/classes:$root/cli/target/lib/*" io.cmrwatch.bench.streams.StreamsProbe \
    "$bootstrap" "${RATE:-5000}" "$burn" 2>&1 | grep -v ' WARN \| INFO '
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
