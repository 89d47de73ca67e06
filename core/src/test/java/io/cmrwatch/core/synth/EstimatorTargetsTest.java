package io.cmrwatch.core.synth;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The estimator's targets (issue 17, docs/estimator-accuracy.md) on small seeded samples of every
 * law family: at 100 % of the budget a median error ≤ 1 pp and coverage of the 90 % interval ≥ 85
 * %; at 50 % a median error ≤ 2.5 pp, coverage ≥ 85 % and a median width ≤ 15 pp; at 25 % coverage
 * ≥ 85 %; replayed at 5 % steps from 30 % to 100 % with warm starts, a median total movement ≤ 15
 * pp. An experiment without an estimate counts as a miss (uncovered, unbounded error and width).
 *
 * <p>Margins: each target is a statement about a proportion (a median ≤ x is "at least half the
 * experiments ≤ x"; coverage ≥ 85 % is "at least 85 % covered"), so each assertion is a one-sided
 * exact binomial test of the sample against the target: it fails only when the sample is strong
 * evidence (p &lt; {@value #ALPHA}) that the target is missed. With about 50 assertions over the
 * families, a method sitting exactly on every target passes them all with probability ≥ 1 − 50 ×
 * {@value #ALPHA} ≈ 95 %, and a method better than the targets (a correct 90 % interval covers 90
 * %, not 85 %) with a higher one. The samples are small ({@value #N} experiments per family, each
 * also replayed as a stream), so the test catches a clear miss, not a narrow one: with N = 40, a
 * median target fails when fewer than 10 experiments meet it, coverage ≥ 85 % when fewer than 26
 * are covered. The upper coverage target at 50 % (≤ 97 %) is left to the benchmark: at N = 40 even
 * 40 of 40 covered is no evidence against it. Seeds 7000… are not those of the benchmark (1000…).
 */
class EstimatorTargetsTest {

  static final int N = 40;
  static final long FIRST_SEED = 7000;
  static final double ALPHA = 0.001;

  static List<String> families() {
    return Families.names();
  }

  @ParameterizedTest
  @MethodSource("families")
  // A separate thread, so that an analysis that never returns fails the test instead of the build.
  @Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
  void shouldMeetTheAccuracyCoverageAndSteadinessTargets(String name) {
    LawFamily family = Families.named(name);
    ExperimentAnalyzer analyzer = new ExperimentAnalyzer();
    int within1At100 = 0;
    int coveredAt100 = 0;
    int within2p5At50 = 0;
    int coveredAt50 = 0;
    int narrowAt50 = 0;
    int coveredAt25 = 0;
    int steady = 0;
    for (int i = 0; i < N; i++) {
      FamilyExperiment e = family.generate(FIRST_SEED + i);
      double truth = e.trueCmr();
      ExperimentEstimate full = analyzer.analyze(e.experiment(), summaries(e.eventsUpTo(1.0)));
      ExperimentEstimate half = analyzer.analyze(e.experiment(), summaries(e.eventsUpTo(0.5)));
      ExperimentEstimate quarter = analyzer.analyze(e.experiment(), summaries(e.eventsUpTo(0.25)));
      within1At100 += error(full, truth) <= 0.01 ? 1 : 0;
      coveredAt100 += covers(full, truth) ? 1 : 0;
      within2p5At50 += error(half, truth) <= 0.025 ? 1 : 0;
      coveredAt50 += covers(half, truth) ? 1 : 0;
      narrowAt50 += half.ok() && half.cmrHigh() - half.cmrLow() <= 0.15 ? 1 : 0;
      coveredAt25 += covers(quarter, truth) ? 1 : 0;
      steady += movement(analyzer, e) <= 0.15 ? 1 : 0;
    }
    assertTarget(name, "100 %: median error ≤ 1 pp", within1At100, N, 0.5);
    assertTarget(name, "100 %: coverage ≥ 85 %", coveredAt100, N, 0.85);
    assertTarget(name, "50 %: median error ≤ 2.5 pp", within2p5At50, N, 0.5);
    assertTarget(name, "50 %: coverage ≥ 85 %", coveredAt50, N, 0.85);
    assertTarget(name, "50 %: median width ≤ 15 pp", narrowAt50, N, 0.5);
    assertTarget(name, "25 %: coverage ≥ 85 %", coveredAt25, N, 0.85);
    assertTarget(name, "movement 30→100 % ≤ 15 pp (median)", steady, N, 0.5);
  }

  /**
   * Fails when k successes out of n are evidence at level {@link #ALPHA} that the success rate is
   * below p: P(Bin(n, p) ≤ k) &lt; α.
   */
  static void assertTarget(String family, String target, int k, int n, double p) {
    double pValue = binomialCdf(k, n, p);
    assertThat(pValue)
        .as(
            "%s, %s: %d of %d meet it (one-sided p = %.2g against a rate of %.2f)",
            family, target, k, n, pValue, p)
        .isGreaterThanOrEqualTo(ALPHA);
  }

  /** P(Bin(n, p) ≤ k), summed exactly in logs. */
  static double binomialCdf(int k, int n, double p) {
    double sum = 0;
    for (int i = 0; i <= k; i++) {
      sum += Math.exp(logChoose(n, i) + i * Math.log(p) + (n - i) * Math.log1p(-p));
    }
    return Math.min(1, sum);
  }

  private static double logChoose(int n, int k) {
    double s = 0;
    for (int i = 1; i <= k; i++) {
      s += Math.log(n - k + i) - Math.log(i);
    }
    return s;
  }

  // Σ|Δcmr| over the stream of 5 % steps from 30 % to 100 %, each step warm-started from the last
  // estimate; +∞ with fewer than two estimates.
  private static double movement(ExperimentAnalyzer analyzer, FamilyExperiment e) {
    ExperimentEstimate previous = null;
    Double last = null;
    double total = 0;
    int estimates = 0;
    for (int pct = 30; pct <= 100; pct += 5) {
      ExperimentEstimate est =
          analyzer.analyze(e.experiment(), summaries(e.eventsUpTo(pct / 100.0)), previous);
      previous = est;
      if (!est.ok()) {
        continue;
      }
      estimates++;
      if (last != null) {
        total += Math.abs(est.cmr() - last);
      }
      last = est.cmr();
    }
    return estimates < 2 ? Double.POSITIVE_INFINITY : total;
  }

  private static double error(ExperimentEstimate e, double truth) {
    return e.ok() ? Math.abs(e.cmr() - truth) : Double.POSITIVE_INFINITY;
  }

  private static boolean covers(ExperimentEstimate e, double truth) {
    return e.ok() && e.cmrLow() <= truth && truth <= e.cmrHigh();
  }

  private static Collection<RunSummary> summaries(List<LossEvent> events) {
    Map<String, RunSummary> runs = new TreeMap<>();
    for (LossEvent ev : events) {
      runs.computeIfAbsent(ev.run(), r -> new RunSummary(ev.experiment(), r)).absorb(ev);
    }
    return runs.values();
  }
}
