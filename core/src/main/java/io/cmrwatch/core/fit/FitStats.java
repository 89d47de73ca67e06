package io.cmrwatch.core.fit;

/**
 * Goodness of a robust fit.
 *
 * @param points number of points with a positive weight that took part in the fit
 * @param robustLoss Σ w_i·ρ_δ(r_i), the Huber loss summed (not averaged) over points — the quantity
 *     minimised
 * @param rmse sqrt(Σ w_i·r_i² / Σ w_i), the weighted root-mean-square residual
 * @param r2 1 − Σ w_i·r_i² / Σ w_i·(y_i − ȳ_w)²; NaN when the data are constant (no variance to
 *     explain)
 * @param huberDelta the Huber threshold δ used (given in {@link FitOptions}, or estimated from the
 *     data)
 */
public record FitStats(int points, double robustLoss, double rmse, double r2, double huberDelta) {

  /** Stats without a recorded Huber threshold. */
  public FitStats(int points, double robustLoss, double rmse, double r2) {
    this(points, robustLoss, rmse, r2, Double.NaN);
  }
}
