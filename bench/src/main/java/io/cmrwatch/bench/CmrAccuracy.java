package io.cmrwatch.bench;

import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Accuracy of the CMR at the budget when only part of the budget has been observed: on N seeded
 * synthetic experiments (seeds 1000…), for 25 %, 50 %, 75 % and 100 % of the budget, prints a
 * Markdown table of how many got an estimate, the median and 90th-percentile |CMR − true CMR|
 * (percentage points), the coverage of the 90 % interval and its median width. Usage: {@code
 * CmrAccuracy [N]} (default 100).
 */
public final class CmrAccuracy {

  private CmrAccuracy() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
    double[] fractions = {0.25, 0.5, 0.75, 1.0};
    SyntheticGenerator generator = new SyntheticGenerator();
    List<SyntheticExperiment> experiments = new ArrayList<>();
    for (long seed = 1000; seed < 1000 + n; seed++) {
      experiments.add(generator.generate(seed));
    }
    ExperimentAnalyzer analyzer = new ExperimentAnalyzer();
    System.out.println(
        "| budget observed | estimates | median abs. error (pp) | p90 abs. error (pp) | 90 % interval"
            + " covers truth | median interval width (pp) | ms per cold analysis |");
    System.out.println("|---|---|---|---|---|---|---|");
    for (double f : fractions) {
      List<Double> errors = new ArrayList<>();
      List<Double> widths = new ArrayList<>();
      int covered = 0;
      long nanos = 0;
      for (SyntheticExperiment e : experiments) {
        Map<String, RunSummary> runs = new TreeMap<>();
        for (LossEvent ev : e.eventsUpTo(f)) {
          runs.computeIfAbsent(ev.run(), r -> new RunSummary(ev.experiment(), r)).absorb(ev);
        }
        long t = System.nanoTime();
        ExperimentEstimate est = analyzer.analyze(e.experiment(), runs.values());
        nanos += System.nanoTime() - t;
        if (!est.ok()) {
          continue;
        }
        errors.add(Math.abs(est.cmr() - e.trueCmr()) * 100);
        widths.add((est.cmrHigh() - est.cmrLow()) * 100);
        if (est.cmrLow() <= e.trueCmr() && e.trueCmr() <= est.cmrHigh()) {
          covered++;
        }
      }
      System.out.printf(
          Locale.ROOT,
          "| %.0f %% | %d / %d | %s | %s | %s | %s | %.0f |%n",
          f * 100,
          errors.size(),
          n,
          fmt(quantile(errors, 0.5)),
          fmt(quantile(errors, 0.9)),
          errors.isEmpty()
              ? "–"
              : String.format(Locale.ROOT, "%.0f %%", 100.0 * covered / errors.size()),
          fmt(quantile(widths, 0.5)),
          nanos / 1e6 / n);
    }
  }

  private static String fmt(double v) {
    return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
  }

  private static double quantile(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    Collections.sort(s);
    double pos = q * (s.size() - 1);
    int lo = (int) Math.floor(pos);
    int hi = (int) Math.ceil(pos);
    return s.get(lo) + (pos - lo) * (s.get(hi) - s.get(lo));
  }
}
