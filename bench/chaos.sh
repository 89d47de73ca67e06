#!/usr/bin/env bash
# Chaos campaign (docs/hardening.md), black-box: starts `cmrwatch broker` and `cmrwatch streams` as processes, feeds a
# known input (EXPERIMENTS (3) synthetic experiments from known laws, about 5% of the events sent twice) over
# FEED_SECONDS (90) while the streams app is killed with SIGKILL at KILLS (12) random moments, its state directory
# wiped once and the broker restarted once; then an undisturbed streams app (its own application id and state) reads
# the same topic, and the two apps' settled answers are compared: every run's event count and every experiment's CMR
# estimate (GET /experiments/{id}) must be identical (driver: bench module, io.cmrwatch.bench.hardening.Chaos).
# Exits non-zero when they differ.
#   bench/chaos.sh
#   KILLS=20 SEED=3 bench/chaos.sh
set -euo pipefail
# shellcheck source=bench/lib/services.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/services.sh"
bench_setup io/cmrwatch/bench/hardening/Chaos.class
echo "chaos: $(date -u +%FT%TZ), load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
status=0
CMRWATCH_KAFKA_LOG_LEVEL=ERROR java ${CHAOS_JAVA_OPTS:-} -Dlogback.configurationFile="$root/cli/src/main/resources/logback.xml" \
  -cp "$root/bench/target/classes:$root/cli/target/lib/*" io.cmrwatch.bench.hardening.Chaos \
  "$jar" "$work" "${KILLS:-12}" "${SEED:-1}" "${EXPERIMENTS:-3}" "${FEED_SECONDS:-90}" || status=$?
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg); $(java -version 2>&1 | head -1)"
exit "$status"
