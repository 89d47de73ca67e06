package io.cmrwatch.core.fit;

import java.util.Arrays;

/**
 * The Huber loss and the robust noise scale used to pick its threshold. Residuals smaller than δ
 * count quadratically, larger ones linearly, so a few outliers cannot drag a fit.
 */
public final class Huber {

  /** Huber's constant: δ = 1.345·σ keeps 95 % of least squares' efficiency on Gaussian noise. */
  public static final double EFFICIENCY_CONSTANT = 1.345;

  /** 1/Φ⁻¹(3/4): turns a median absolute deviation into a Gaussian standard deviation. */
  private static final double MAD_TO_SIGMA = 1.482602218505602;

  private Huber() {}

  /** ρ_δ(r) = r²/2 for |r| ≤ δ, δ·(|r| − δ/2) otherwise. */
  public static double loss(double r, double delta) {
    double a = Math.abs(r);
    return a <= delta ? 0.5 * r * r : delta * (a - 0.5 * delta);
  }

  /** ψ_δ(r) = ρ'_δ(r) = r clipped to [−δ, δ]. */
  public static double influence(double r, double delta) {
    return Math.max(-delta, Math.min(delta, r));
  }

  /** Σ w_i·ρ_δ(r_i): the summed loss the fitter minimises. */
  public static double totalLoss(double[] residuals, double[] weights, double delta) {
    double s = 0;
    for (int i = 0; i < residuals.length; i++) {
      s += (weights == null ? 1.0 : weights[i]) * loss(residuals[i], delta);
    }
    return s;
  }

  /**
   * w·ρ_δ(r): one point's term of the summed loss, with the products in the order the optimiser has
   * always summed them (so its fits stay bit for bit the same).
   */
  static double weightedLoss(double r, double w, double delta) {
    double a = Math.abs(r);
    return a <= delta ? w * 0.5 * r * r : w * delta * (a - 0.5 * delta);
  }

  /** w·ψ_δ(r): one point's weight in the loss gradient, Σ w_i·ψ_δ(r_i)·∇r_i. */
  static double weightedInfluence(double r, double w, double delta) {
    return Math.abs(r) <= delta ? w * r : w * Math.copySign(delta, r);
  }

  /**
   * One point's Gauss–Newton curvature weight: w·ρ''_δ(r) = w inside δ. Beyond δ the loss is linear
   * (ρ'' = 0); there a trace of the iteratively-reweighted weight, {@code outside}·w·δ/|r|, keeps
   * the curvature matrix positive definite when most points are outliers.
   */
  static double curvature(double r, double w, double delta, double outside) {
    double a = Math.abs(r);
    return a <= delta ? w : w * outside * delta / a;
  }

  /**
   * The pseudo-residual φ with φ²/2 = ρ_δ: φ(r) = r for |r| ≤ δ, sign(r)·sqrt(2δ|r| − δ²)
   * otherwise. φ is C¹ (φ' = 1 at |r| = δ), so an ordinary least-squares optimiser run on φ
   * minimises the summed Huber loss exactly.
   */
  static double pseudoResidual(double r, double delta) {
    double a = Math.abs(r);
    return a <= delta ? r : Math.copySign(Math.sqrt(2 * delta * a - delta * delta), r);
  }

  /** dφ/dr: 1 inside δ, δ/|φ| outside. */
  static double pseudoResidualSlope(double r, double delta) {
    double a = Math.abs(r);
    return a <= delta ? 1.0 : delta / Math.sqrt(2 * delta * a - delta * delta);
  }

  /**
   * A robust estimate of the noise standard deviation of y along x, free of the smooth trend: each
   * interior point's deviation from the straight line through its two neighbours (sorted by x),
   * normalised to unit variance, then 1.4826 × the median absolute value. Outliers do not move a
   * median, and a locally straight trend cancels. Falls back to the MAD of y when fewer than three
   * distinct x are given. Never returns 0 or NaN.
   */
  public static double robustScale(double[] x, double[] y) {
    int n = x.length;
    double maxAbs = 0;
    for (double v : y) {
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    double floor = Math.max(1e-12, 1e-7 * maxAbs);
    if (n < 3) {
      return floor;
    }
    int[] order = sortedOrder(x);
    double[] dev = new double[n];
    int k = 0;
    for (int j = 1; j < n - 1; j++) {
      double x0 = x[order[j - 1]];
      double x1 = x[order[j]];
      double x2 = x[order[j + 1]];
      if (!(x2 > x0)) {
        continue;
      }
      double t = (x1 - x0) / (x2 - x0);
      // e = y1 − [(1−t)·y0 + t·y2]; Var(e) = σ²·(1 + t² + (1−t)²) for independent noise of variance
      // σ².
      double e = y[order[j]] - ((1 - t) * y[order[j - 1]] + t * y[order[j + 1]]);
      dev[k++] = Math.abs(e) / Math.sqrt(1 + t * t + (1 - t) * (1 - t));
    }
    double sigma;
    if (k == 0) {
      double[] c = y.clone();
      double med = median(c, n);
      for (int i = 0; i < n; i++) {
        c[i] = Math.abs(y[i] - med);
      }
      sigma = MAD_TO_SIGMA * median(c, n);
    } else {
      sigma = MAD_TO_SIGMA * median(dev, k);
    }
    return Math.max(sigma, floor);
  }

  /** δ = 1.345 × {@link #robustScale}. */
  public static double autoDelta(double[] x, double[] y) {
    return EFFICIENCY_CONSTANT * robustScale(x, y);
  }

  /**
   * Indices of x in ascending order (no boxing; a summary's points usually arrive sorted already).
   */
  private static int[] sortedOrder(double[] x) {
    int n = x.length;
    int[] order = new int[n];
    boolean sorted = true;
    for (int i = 0; i < n; i++) {
      order[i] = i;
      sorted &= i == 0 || x[i] >= x[i - 1];
    }
    if (sorted) {
      return order;
    }
    Integer[] boxed = new Integer[n];
    for (int i = 0; i < n; i++) {
      boxed[i] = i;
    }
    Arrays.sort(boxed, (i, j) -> Double.compare(x[i], x[j]));
    for (int i = 0; i < n; i++) {
      order[i] = boxed[i];
    }
    return order;
  }

  private static double median(double[] a, int n) {
    double[] c = Arrays.copyOf(a, n);
    Arrays.sort(c);
    return n % 2 == 1 ? c[n / 2] : 0.5 * (c[n / 2 - 1] + c[n / 2]);
  }
}
