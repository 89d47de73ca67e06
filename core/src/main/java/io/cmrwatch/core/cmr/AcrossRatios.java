package io.cmrwatch.core.cmr;

/**
 * The CMR at one budget from the joint model's per-run parameters (docs/method.md, "Across
 * ratios"). Between trained ratios the parameters that move with R — the rise amplitude α, the log
 * peak position π and the domain term D = T·dDom/dT — are interpolated linearly in z = ln R (and
 * extrapolated linearly from the end runs), the shared exponents held; at any R the two constraints
 * then have closed forms at x = T/T_max:
 *
 * <pre>
 *   dGen(x; R)   = A·x^s2·(1 − (s2/s3)·(x/p)^d)                       ≤ ε      (tolerance)
 *   m(x; R)      = x·dGen'(x) + D(x)/λ = A·s2·x^s2·(1 − (x/p)^d) + D/λ  ≤ 0      (turned over)
 * </pre>
 *
 * and CMR = the largest R in (0, 1] meeting both, found on a grid over z (the trained ratios, eight
 * steps between neighbours, and steps beyond the end runs) refined by bisection. Not thread-safe
 * (reuses buffers); cheap enough to evaluate for every posterior draw.
 */
final class AcrossRatios {

  /** Grid steps between neighbouring runs. */
  private static final int STEPS = 8;

  /** How far below the smallest trained ratio the search goes (a factor on R). */
  static final double BELOW = 8;

  private final double[] z;
  private final double zShift;
  private final double epsilon;
  private final double lambda;
  private final double[] grid;

  /** Result of one search. */
  record Solution(double cmr, double tolerance, double turnOver) {
    String binding() {
      return tolerance <= turnOver ? "tolerance" : "critical_point";
    }
  }

  /**
   * @param z centred log ratios of the runs (increasing)
   * @param zShift mean of ln R (z = ln R − zShift)
   */
  AcrossRatios(double[] z, double zShift, double epsilon, double lambda) {
    this.z = z;
    this.zShift = zShift;
    this.epsilon = epsilon;
    this.lambda = lambda;
    int m = z.length;
    double top = -zShift; // R = 1
    double bottom = z[0] - Math.log(BELOW);
    int below = STEPS;
    int above = z[m - 1] < top ? 2 * STEPS : 0;
    double[] g = new double[below + (m - 1) * STEPS + 1 + above];
    int n = 0;
    for (int i = 0; i < below; i++) {
      g[n++] = bottom + (z[0] - bottom) * i / below;
    }
    for (int k = 0; k + 1 < m; k++) {
      for (int i = 0; i < STEPS; i++) {
        g[n++] = z[k] + (z[k + 1] - z[k]) * i / STEPS;
      }
    }
    g[n++] = z[m - 1];
    for (int i = 1; i <= above; i++) {
      g[n++] = z[m - 1] + (top - z[m - 1]) * i / above;
    }
    this.grid = java.util.Arrays.copyOf(g, n);
  }

  /** Number of distinct trained ratios. */
  int ratios() {
    return z.length;
  }

  /** R of a grid coordinate. */
  double ratio(double zz) {
    return Math.min(1.0, Math.exp(zz + zShift));
  }

  /**
   * The CMR at budget share x (x = 1: the budget) for one parameter set.
   *
   * @param s2 shared rising exponent
   * @param d shared s3 − s2
   * @param alpha per run ln A (at x = 1)
   * @param pi per run ln p
   * @param dom per run D(x) = T·dDom/dT at this budget (loss units)
   */
  Solution solve(double x, double s2, double d, double[] alpha, double[] pi, double[] dom) {
    double rTol = search(x, s2, d, alpha, pi, dom, 1);
    double rTurn = search(x, s2, d, alpha, pi, dom, 2);
    double both = search(x, s2, d, alpha, pi, dom, 3);
    return new Solution(both, rTol, rTurn);
  }

  /** True when the ratio at z is feasible at budget share x (both constraints). */
  boolean feasible(
      double zz, double x, double s2, double d, double[] alpha, double[] pi, double[] dom) {
    return ok(zz, x, s2, d, alpha, pi, dom, 3);
  }

  // Largest R on the grid (refined) meeting the constraints in mask (1 tolerance, 2 turn-over).
  private double search(
      double x, double s2, double d, double[] alpha, double[] pi, double[] dom, int mask) {
    int n = grid.length;
    if (ok(grid[n - 1], x, s2, d, alpha, pi, dom, mask)) {
      return ratio(grid[n - 1]) >= 1.0 ? 1.0 : ratio(grid[n - 1]);
    }
    for (int i = n - 2; i >= 0; i--) {
      if (ok(grid[i], x, s2, d, alpha, pi, dom, mask)) {
        double lo = grid[i];
        double hi = grid[i + 1];
        for (int it = 0; it < 30; it++) {
          double mid = 0.5 * (lo + hi);
          if (ok(mid, x, s2, d, alpha, pi, dom, mask)) {
            lo = mid;
          } else {
            hi = mid;
          }
        }
        return ratio(0.5 * (lo + hi));
      }
    }
    return 0.0;
  }

  private boolean ok(
      double zz,
      double x,
      double s2,
      double d,
      double[] alpha,
      double[] pi,
      double[] dom,
      int mask) {
    int k = segment(zz);
    double t = (zz - z[k]) / (z[k + 1] - z[k]);
    double a = Math.exp(alpha[k] + t * (alpha[k + 1] - alpha[k]));
    double p = pi[k] + t * (pi[k + 1] - pi[k]);
    double dm = dom[k] + t * (dom[k + 1] - dom[k]);
    double lx = Math.log(x);
    double rise = a * Math.exp(s2 * lx);
    double q = Math.exp(d * (lx - p));
    if ((mask & 1) != 0 && rise * (1 - s2 / (s2 + d) * q) > epsilon) {
      return false;
    }
    return (mask & 2) == 0 || rise * s2 * (1 - q) + dm / lambda <= 0;
  }

  // The segment [z_k, z_k+1] used for zz (the end segments extend beyond the runs).
  private int segment(double zz) {
    int m = z.length;
    if (m == 1) {
      throw new IllegalStateException("at least two runs are needed across ratios");
    }
    int k = 0;
    while (k < m - 2 && zz > z[k + 1]) {
      k++;
    }
    return k;
  }
}
