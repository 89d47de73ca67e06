#!/usr/bin/env bash
# Fit speed: JMH (io.cmrwatch.bench.FitBenchmark) times one run's general-law fit over 256 summary points — a warm
# refit from the previous solution (previous = fit before the latest point "n-1", or of the first 85 %) and a cold
# multi-start fit — with both engines (BUILT_IN, HIPPARCHUS), in sample-time mode (p0.50 = median). Then
# io.cmrwatch.bench.ScipyComparison runs scipy.optimize.least_squares side by side: same points, same starting
# point, same box, same summed Huber loss (f_scale = δ), and prints both per-fit medians, the ratio and both losses.
# io.cmrwatch.bench.FitCpuTime repeats the JMH fits in thread CPU time, for a machine shared with other work.
# Needs Debian's python3-scipy (apt-get install python3-scipy) for /usr/bin/python3.
#   bench/fit-speed.sh                 # everything (about 5 minutes)
#   JMH_ARGS="-wi 2 -i 3 -r 1" bench/fit-speed.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
mvn -B -q -DskipTests -pl bench -am package dependency:build-classpath -Dmdep.outputFile=target/cp.txt
cp="bench/target/cmrwatch-bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
# shellcheck disable=SC2086
java -cp "$cp" org.openjdk.jmh.Main FitBenchmark ${JMH_ARGS:-} 2>&1 \
  | grep -E '^(Benchmark|FitBenchmark\.[a-zA-Z]+:p0\.50|# Run complete)'
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
# The same fits in thread CPU time: what they cost when a core is free (wall time on a shared machine includes queueing).
java -cp "$cp" io.cmrwatch.bench.FitCpuTime "${POINTS:-256}"
java -cp "$cp" io.cmrwatch.bench.ScipyComparison "${PROBLEMS:-16}" "${POINTS:-256}" /usr/bin/python3 bench/scipy_fit.py
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
