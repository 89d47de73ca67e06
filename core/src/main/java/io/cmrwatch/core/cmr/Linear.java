package io.cmrwatch.core.cmr;

/**
 * Cholesky factorisation and solves for the small dense symmetric systems of the joint fit (a few
 * dozen parameters at most). Written out because the estimator solves several of them per event (a
 * step of the fit, every candidate of the planning step) and a general matrix library's allocation
 * and checks cost more than the arithmetic at this size (see docs/method.md, "Speed").
 */
final class Linear {

  private Linear() {}

  /**
   * The lower-triangular Cholesky factor L of a symmetric positive-definite A = L·Lᵀ (only A's
   * lower triangle is read), or null when A is not positive definite.
   */
  static double[][] cholesky(double[][] a) {
    int n = a.length;
    double[][] l = new double[n][n];
    for (int j = 0; j < n; j++) {
      double d = a[j][j];
      double[] lj = l[j];
      for (int k = 0; k < j; k++) {
        d -= lj[k] * lj[k];
      }
      if (!(d > 1e-300) || !Double.isFinite(d)) {
        return null;
      }
      double djj = Math.sqrt(d);
      lj[j] = djj;
      for (int i = j + 1; i < n; i++) {
        double s = a[i][j];
        double[] li = l[i];
        for (int k = 0; k < j; k++) {
          s -= li[k] * lj[k];
        }
        li[j] = s / djj;
      }
    }
    return l;
  }

  /** x with L·Lᵀ·x = b. */
  static double[] solve(double[][] l, double[] b, boolean factored) {
    double[][] f = factored ? l : cholesky(l);
    if (f == null) {
      return null;
    }
    int n = b.length;
    double[] y = new double[n];
    for (int i = 0; i < n; i++) {
      double s = b[i];
      for (int k = 0; k < i; k++) {
        s -= f[i][k] * y[k];
      }
      y[i] = s / f[i][i];
    }
    for (int i = n - 1; i >= 0; i--) {
      double s = y[i];
      for (int k = i + 1; k < n; k++) {
        s -= f[k][i] * y[k];
      }
      y[i] = s / f[i][i];
    }
    return y;
  }

  /** The solution of A·x = b for a symmetric positive-definite A, or null when it is not one. */
  static double[] solve(double[][] spd, double[] b) {
    return solve(spd, b, false);
  }

  /** gᵀ·A⁻¹·g for a symmetric positive-definite A, or NaN when it is not one. */
  static double inverseQuadratic(double[][] spd, double[] g) {
    double[][] l = cholesky(spd);
    if (l == null) {
      return Double.NaN;
    }
    // gᵀ(LLᵀ)⁻¹g = |L⁻¹g|².
    int n = g.length;
    double[] y = new double[n];
    double q = 0;
    for (int i = 0; i < n; i++) {
      double s = g[i];
      for (int k = 0; k < i; k++) {
        s -= l[i][k] * y[k];
      }
      y[i] = s / l[i][i];
      q += y[i] * y[i];
    }
    return q;
  }

  /** The inverse of a symmetric positive-definite matrix, or null when it is not one. */
  static double[][] inverse(double[][] spd) {
    double[][] l = cholesky(spd);
    if (l == null) {
      return null;
    }
    int n = spd.length;
    double[][] inv = new double[n][];
    double[] e = new double[n];
    for (int j = 0; j < n; j++) {
      java.util.Arrays.fill(e, 0);
      e[j] = 1;
      inv[j] = solve(l, e, true);
    }
    return symmetric(inv);
  }

  /** (A + Aᵀ)/2, in place: rounding leaves an inverse a few ulps from symmetric. */
  static double[][] symmetric(double[][] a) {
    for (int i = 0; i < a.length; i++) {
      for (int j = i + 1; j < a.length; j++) {
        double v = 0.5 * (a[i][j] + a[j][i]);
        a[i][j] = v;
        a[j][i] = v;
      }
    }
    return a;
  }
}
