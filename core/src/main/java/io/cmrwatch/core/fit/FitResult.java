package io.cmrwatch.core.fit;

import io.cmrwatch.core.law.Law;

/**
 * The outcome of fitting one law form to points: the law, its parameters' uncertainty and whether
 * the optimiser converged. A fit that could not be attempted (too few points, no positive weight)
 * has {@code law == null}, {@code converged == false} and says why in {@link #message()}.
 *
 * @param law the fitted law, or null when no fit was possible
 * @param standardErrors one per parameter (sqrt of the covariance diagonal); 0 for a parameter the
 *     fit holds fixed (at a bound of its box, a3 and s3 of a one-term general law, s when its a =
 *     0); NaN when the free parameters are not identifiable from the data (for instance constant y)
 * @param covariance parameter covariance (Jacobian at the solution, scaled by the robust residual
 *     variance)
 * @param stats fit statistics
 * @param converged true when the optimiser met its tolerances (and the fit is usable)
 * @param evaluations model evaluations spent, over every start
 * @param message what happened, for people ("converged", "bump found", the reason a fit was
 *     impossible, ...)
 */
public record FitResult(
    Law law,
    double[] standardErrors,
    double[][] covariance,
    FitStats stats,
    boolean converged,
    int evaluations,
    String message) {

  /** True when a law was fitted and the optimiser converged. */
  public boolean ok() {
    return converged && law != null;
  }

  /** A result for a fit that could not be attempted. */
  static FitResult impossible(int points, String message) {
    return new FitResult(
        null,
        new double[0],
        new double[0][0],
        new FitStats(points, Double.NaN, Double.NaN, Double.NaN),
        false,
        0,
        message);
  }
}
