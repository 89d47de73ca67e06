package io.cmrwatch.core.cmr;

import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.CholeskyDecomposition;

/** Small dense linear algebra through Hipparchus. */
final class Linear {

  private Linear() {}

  /** The inverse of a symmetric positive-definite matrix, or null when it is not one. */
  static double[][] inverse(double[][] spd) {
    try {
      double[][] inv =
          new CholeskyDecomposition(new Array2DRowRealMatrix(spd, true), 1e-14, 1e-300)
              .getSolver()
              .getInverse()
              .getData();
      return symmetric(inv);
    } catch (RuntimeException e) {
      return null;
    }
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
