#!/usr/bin/env bash
# Fuzz campaign (docs/hardening.md): starts `cmrwatch broker`, `cmrwatch streams` and `cmrwatch ingest serve` (each its
# own JVM on free loopback ports), then sends INPUTS (100,000) generated hostile inputs — broken JSON structure, wrong
# types, impossible and overflowing numbers, strings no key can carry, bad UTF-8, oversized texts, HTTP framing
# attacks, silent clients — mixed with tracked valid events, through the ingest API and straight onto the loss-event
# topic (driver: bench module, io.cmrwatch.bench.hardening.Fuzz). Checks: no crash, no hang, no 5xx, every valid
# event counted exactly once by the streams app and present once on the topic, every hostile input rejected by ingest
# or dead-lettered by the streams app with a reason; prints the peak RSS of each process and the load average.
# Exits non-zero when a check fails.
#   bench/fuzz.sh
#   INPUTS=20000 SEED=7 bench/fuzz.sh
set -euo pipefail
# shellcheck source=bench/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
bench_setup io/cmrwatch/bench/hardening/Fuzz.class
echo "fuzz: $(date -u +%FT%TZ), load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
status=0
CMRWATCH_KAFKA_LOG_LEVEL=ERROR java ${FUZZ_JAVA_OPTS:-} -Dlogback.configurationFile="$root/cli/src/main/resources/logback.xml" \
  -cp "$root/bench/target/classes:$root/cli/target/lib/*" io.cmrwatch.bench.hardening.Fuzz \
  "$jar" "$work" "${INPUTS:-100000}" "${SEED:-1}" "${BATCH_LINES:-400}" || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
exit "$status"
