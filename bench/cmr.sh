#!/usr/bin/env bash
# The CMR method's figures (docs/estimator-accuracy.md, docs/benchmarks.md): accuracy, interval coverage and
# steadiness on N seeded experiments of every synthetic law family (docs/synthetic-families.md) with 25/50/75/100 % of
# the budget observed, then JMH speed of a 6-run experiment's CMR (cold, warm with one run changed, warm unchanged).
# Prints the date and the load average: the speed figures grow with the machine's load.
#   bench/cmr.sh                                   # every family, N=100, seeds 1000...
#   N=20 bench/cmr.sh --families power,nonpower     # options go to io.cmrwatch.bench.CmrAccuracy
#   SPEED=0 bench/cmr.sh                           # accuracy only, no JMH
# CmrAccuracy's options: [--n N] [--first-seed S] [--families a,b,...|all] [--fractions 0.25,0.5,...] [--threads T]
#   [--timeout SECONDS]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Each module of the reactor writes its own class path; the bench's is the one used.
mvn -B -q -o -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
cp="bench/target/classes:core/target/classes:$(cat bench/target/classpath.txt)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
java -Xmx1g -cp "$cp" io.cmrwatch.bench.CmrAccuracy --n "${N:-100}" "$@"
if [[ "${SPEED:-1}" != 0 ]]; then
  java -cp "$cp" org.openjdk.jmh.Main CmrBenchmark -rf text -rff /dev/null 2>&1 \
    | grep -E '^(Benchmark|CmrBenchmark\.[A-Za-z]+ |CmrBenchmark\..*p0\.50)' || true
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
