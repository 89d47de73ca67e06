package io.cmrwatch.core.fit;

/**
 * Dense linear algebra for the handful of parameters of a law (k ≤ 5): no allocation beyond the
 * result.
 */
final class SmallMatrix {

  private SmallMatrix() {}

  /**
   * Inverse of a symmetric positive definite matrix given by its lower triangle, or null when it is
   * singular to working precision. Scaled to unit diagonal first (Jacobi), because the columns of a
   * power law's Jacobian differ by many orders of magnitude, then Cholesky.
   */
  static double[][] inverseSpd(double[][] lower) {
    int k = lower.length;
    double[] d = new double[k];
    for (int i = 0; i < k; i++) {
      if (!(lower[i][i] > 0) || !Double.isFinite(lower[i][i])) {
        return null;
      }
      d[i] = 1 / Math.sqrt(lower[i][i]);
    }
    double[][] l = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j <= i; j++) {
        double s = lower[i][j] * d[i] * d[j];
        for (int t = 0; t < j; t++) {
          s -= l[i][t] * l[j][t];
        }
        if (i == j) {
          // A pivot this small means a column is (numerically) a combination of the others.
          if (!(s > 1e-12)) {
            return null;
          }
          l[i][i] = Math.sqrt(s);
        } else {
          l[i][j] = s / l[j][j];
        }
      }
    }
    // inv(A_scaled) = L⁻ᵀ L⁻¹; then undo the scaling: inv(A) = D·inv(A_scaled)·D.
    double[][] li = new double[k][k];
    for (int i = 0; i < k; i++) {
      li[i][i] = 1 / l[i][i];
      for (int j = 0; j < i; j++) {
        double s = 0;
        for (int t = j; t < i; t++) {
          s -= l[i][t] * li[t][j];
        }
        li[i][j] = s / l[i][i];
      }
    }
    double[][] inv = new double[k][k];
    for (int i = 0; i < k; i++) {
      for (int j = 0; j <= i; j++) {
        double s = 0;
        for (int t = i; t < k; t++) {
          s += li[t][i] * li[t][j];
        }
        inv[i][j] = s * d[i] * d[j];
        inv[j][i] = inv[i][j];
      }
    }
    return inv;
  }

  /**
   * Weighted least squares for y ≈ Σ c_j·col_j + c_last (the constant column is implicit): solves
   * the normal equations. Returns zeros for the column coefficients and the weighted mean as the
   * constant when singular.
   */
  static double[] weightedLinearFit(double[][] cols, double[] y, double[] w) {
    int k = cols.length + 1;
    int m = y.length;
    double[][] a = new double[k][k];
    double[] b = new double[k];
    double[] g = new double[k];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < k - 1; j++) {
        g[j] = cols[j][i];
      }
      g[k - 1] = 1;
      for (int u = 0; u < k; u++) {
        b[u] += w[i] * g[u] * y[i];
        for (int v = 0; v <= u; v++) {
          a[u][v] += w[i] * g[u] * g[v];
        }
      }
    }
    double[][] inv = inverseSpd(a);
    double[] c = new double[k];
    if (inv == null) {
      c[k - 1] = b[k - 1] / a[k - 1][k - 1];
      return c;
    }
    for (int u = 0; u < k; u++) {
      for (int v = 0; v < k; v++) {
        c[u] += inv[u][v] * b[v];
      }
    }
    return c;
  }
}
