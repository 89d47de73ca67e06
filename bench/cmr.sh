#!/usr/bin/env bash
# The CMR method's figures for docs/benchmarks.md: accuracy and interval coverage on N seeded synthetic experiments (default
# 100) with 25/50/75/100 % of the budget observed, then JMH speed of a 6-run experiment's CMR (cold, warm with one
# run changed, warm unchanged). Prints the load average: the speed figures grow with the machine's load.
#   bench/cmr.sh            # N=100
#   N=200 bench/cmr.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Each module of the reactor writes its own class path; the bench's is the one used.
mvn -B -q -o -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
cp="bench/target/classes:core/target/classes:$(cat bench/target/classpath.txt)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
java -cp "$cp" io.cmrwatch.bench.CmrAccuracy "${N:-100}"
java -cp "$cp" org.openjdk.jmh.Main CmrBenchmark -rf text -rff /dev/null 2>&1 \
  | grep -E '^(Benchmark|CmrBenchmark\.[A-Za-z]+ |CmrBenchmark\..*p0\.50)' || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
