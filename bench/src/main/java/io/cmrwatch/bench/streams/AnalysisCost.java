package io.cmrwatch.bench.streams;

import io.cmrwatch.core.cmr.CmrSettings;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one analysis costs the streams app's thread under {@code bench/streams-load.sh}'s load: the
 * load's experiments (10 runs each, the same events) replayed through core's analyzer in one JVM,
 * warm from the previous estimate, one analysis per new evaluation of every run (from the 11th on),
 * as the app analyses a busy experiment. Prints the mean and the p50/p90/p99 of the analyses' wall
 * time; the first pass over the experiments warms the JIT and is not counted.
 *
 * <pre>
 *   java -cp "bench/target/classes:cli/target/lib/*" io.cmrwatch.bench.streams.AnalysisCost [RUNS] [EVALS]
 * </pre>
 */
public final class AnalysisCost {

  private AnalysisCost() {}

  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    int evals = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Map<String, List<LossEvent>> byExperiment = new LinkedHashMap<>();
    for (LossEvent e : StreamsLoad.events("cost", runs, evals, 1)) {
      byExperiment.computeIfAbsent(e.experiment(), k -> new ArrayList<>()).add(e);
    }
    pass(byExperiment);
    long[] nanos = pass(byExperiment);
    Arrays.sort(nanos);
    double mean = Arrays.stream(nanos).average().orElse(Double.NaN) / 1e6;
    System.out.printf(
        Locale.ROOT,
        "%d analyses of %d-run experiments: mean %.2f ms, p50 %.2f ms, p90 %.2f ms, p99 %.2f ms;"
            + " load average %s%n",
        nanos.length,
        10,
        mean,
        nanos[nanos.length / 2] / 1e6,
        nanos[(int) (nanos.length * 0.9)] / 1e6,
        nanos[(int) (nanos.length * 0.99)] / 1e6,
        loadAverage());
  }

  private static long[] pass(Map<String, List<LossEvent>> byExperiment) {
    List<Long> nanos = new ArrayList<>();
    for (Map.Entry<String, List<LossEvent>> x : byExperiment.entrySet()) {
      ExperimentAnalyzer analyzer = new ExperimentAnalyzer(CmrSettings.defaults());
      Map<String, RunSummary> summaries = new LinkedHashMap<>();
      ExperimentEstimate previous = null;
      int i = 0;
      for (LossEvent e : x.getValue()) {
        summaries.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
        // Events come every run in turn: one analysis per round of new evaluations.
        if (++i % summaries.size() == 0 && i > 10 * summaries.size()) {
          long t0 = System.nanoTime();
          previous = analyzer.analyze(x.getKey(), summaries.values(), previous);
          nanos.add(System.nanoTime() - t0);
        }
      }
    }
    return nanos.stream().mapToLong(Long::longValue).toArray();
  }

  private static String loadAverage() {
    try {
      return String.join(
          " ",
          Arrays.copyOf(
              java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).split(" "),
              3));
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
