package io.cmrwatch.bench;

import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import java.util.Arrays;
import java.util.Random;

/**
 * Seeded fitting problems for the benchmarks: one run's general loss change dGen(T) = a2·T^s2 +
 * a3·T^s3 + b2 with a bump, sampled at {@code n} irregular, roughly log-spaced token points (T in
 * units of 0.2 B tokens), Gaussian noise and a few outliers — the shape of a per-run curve summary.
 * The warm start is the cold fit of the first {@code previousPoints} points: n − 1 for the live
 * case (the previous fit, before the latest evaluation arrived), or fewer for a refit after a
 * longer pause.
 */
public record FitProblems(double[] x, double[] y, Law warmStart, Law truth) {

  /**
   * Problem number {@code seed} with {@code n} points, warm-started from the fit of the first n −
   * 1.
   */
  public static FitProblems general(int seed, int n) {
    return general(seed, n, n - 1);
  }

  /**
   * Problem number {@code seed} with {@code n} points, warm-started from the fit of the first
   * {@code previous}.
   */
  public static FitProblems general(int seed, int n, int previous) {
    Random rnd = new Random(seed);
    double a2 = 0.08 + 0.08 * rnd.nextDouble();
    double s2 = 0.25 + 0.2 * rnd.nextDouble();
    double s3 = s2 + 0.3 + 0.2 * rnd.nextDouble();
    double a3 = -a2 * (0.15 + 0.15 * rnd.nextDouble());
    Law truth = Law.of(LawForm.GENERAL, a2, s2, a3, s3, 0.0);
    double[] x = new double[n];
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double u = (i + 0.5 + 0.4 * (rnd.nextDouble() - 0.5)) / n;
      x[i] = 0.05 * Math.pow(100 / 0.05, u);
      y[i] = truth.value(x[i]) + 0.004 * rnd.nextGaussian();
      if (rnd.nextDouble() < 0.03) {
        y[i] += 0.1 * (rnd.nextBoolean() ? 1 : -1);
      }
    }
    FitResult fit =
        RobustFitter.fit(
            LawForm.GENERAL,
            Arrays.copyOf(x, previous),
            Arrays.copyOf(y, previous),
            null,
            FitOptions.defaults());
    return new FitProblems(x, y, fit.law(), truth);
  }
}
