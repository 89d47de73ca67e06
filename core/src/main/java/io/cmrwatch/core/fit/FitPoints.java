package io.cmrwatch.core.fit;

import io.cmrwatch.core.law.LawForm;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The points of one fit (those with positive weight), validated and prepared once for the fitter
 * and the optimiser: ln x, sqrt(w), the Huber threshold δ and the coefficient scale of the bounds.
 * The model everywhere is a sum of power terms, y = Σ a_t·x^s_t + b for p = [a_1, s_1, (a_2, s_2,)
 * b].
 */
final class FitPoints {

  /**
   * Coefficient bounds are this multiple of the data's y scale: far from binding, but keeps the
   * search finite.
   */
  private static final double COEF_SCALE = 1e6;

  final int m;
  final double[] x;
  final double[] lnx;
  final double[] y;
  final double[] w;
  final double[] sw;
  final double delta;
  final double coef;
  final int distinctX;
  private final Map<Double, double[]> columns = new HashMap<>();

  private FitPoints(double[] x, double[] y, double[] w, double delta) {
    this.m = x.length;
    this.x = x;
    this.y = y;
    this.w = w;
    this.lnx = new double[m];
    this.sw = new double[m];
    double scale = 0;
    for (int i = 0; i < m; i++) {
      lnx[i] = Math.log(x[i]);
      sw[i] = Math.sqrt(w[i]);
      scale = Math.max(scale, Math.abs(y[i]));
    }
    this.delta = delta;
    this.coef = COEF_SCALE * (scale > 0 ? scale : 1.0);
    double[] sorted = x;
    for (int i = 1; i < m; i++) {
      if (x[i] < x[i - 1]) {
        sorted = x.clone();
        Arrays.sort(sorted);
        break;
      }
    }
    int distinct = m == 0 ? 0 : 1;
    for (int i = 1; i < m; i++) {
      if (sorted[i] != sorted[i - 1]) {
        distinct++;
      }
    }
    this.distinctX = distinct;
  }

  /**
   * The points of (x_i, y_i) with weights w_i (null: all 1) that have positive weight, with δ from
   * the options or the data's robust noise scale. Malformed input throws {@link
   * IllegalArgumentException} naming the offending index.
   */
  static FitPoints of(LawForm form, double[] x, double[] y, double[] weights, FitOptions o) {
    if (form == null || x == null || y == null || o == null) {
      throw new IllegalArgumentException("form, x, y and options must not be null");
    }
    if (x.length != y.length || (weights != null && weights.length != x.length)) {
      throw new IllegalArgumentException(
          "x, y and weights must have the same length: "
              + x.length
              + ", "
              + y.length
              + (weights == null ? "" : ", " + weights.length));
    }
    if (o.lower() != null && o.lower().length != form.parameterCount()) {
      throw new IllegalArgumentException(
          "bounds for the "
              + form.id()
              + " law need "
              + form.parameterCount()
              + " values "
              + form.parameterNames()
              + ", got "
              + o.lower().length);
    }
    int m = 0;
    for (int i = 0; i < x.length; i++) {
      if (!Double.isFinite(x[i]) || x[i] <= 0) {
        throw new IllegalArgumentException(
            "x["
                + i
                + "] = "
                + x[i]
                + ": x must be finite and > 0 (tokens in the"
                + " token unit, or a ratio); drop the point or fix it");
      }
      if (!Double.isFinite(y[i])) {
        throw new IllegalArgumentException(
            "y[" + i + "] = " + y[i] + ": y must be finite; drop the point or fix it");
      }
      double w = weights == null ? 1.0 : weights[i];
      if (!Double.isFinite(w) || w < 0) {
        throw new IllegalArgumentException(
            "weights[" + i + "] = " + w + ": weights must be finite and >= 0");
      }
      if (w > 0) {
        m++;
      }
    }
    double[] xs = new double[m];
    double[] ys = new double[m];
    double[] ws = new double[m];
    int j = 0;
    for (int i = 0; i < x.length; i++) {
      double w = weights == null ? 1.0 : weights[i];
      if (w > 0) {
        xs[j] = x[i];
        ys[j] = y[i];
        ws[j] = w;
        j++;
      }
    }
    double delta = Double.isNaN(o.huberDelta()) ? Huber.autoDelta(xs, ys) : o.huberDelta();
    return new FitPoints(xs, ys, ws, delta);
  }

  /** Why these points cannot support a fit of {@code form}, or null. */
  String insufficient(LawForm form) {
    int need = form == LawForm.GENERAL ? 3 : form.parameterCount();
    if (distinctX < need) {
      return "too few points: the "
          + form.id()
          + " law needs at least "
          + need
          + " points at distinct x (with"
          + " weight > 0), got "
          + m
          + " point(s) at "
          + distinctX
          + " distinct x";
    }
    return null;
  }

  /** Σ w_i·ρ_δ(f(x_i) − y_i) for a parameter vector of 3 or 5 values. */
  double loss(double[] p) {
    double s = 0;
    for (int i = 0; i < m; i++) {
      s += w[i] * Huber.loss(valueLog(p, lnx[i]) - y[i], delta);
    }
    return s;
  }

  /** x_i^s for a grid exponent, computed once per fit. */
  double[] column(double s) {
    return columns.computeIfAbsent(
        s,
        key -> {
          double[] c = new double[m];
          for (int i = 0; i < m; i++) {
            c[i] = Math.exp(key * lnx[i]);
          }
          return c;
        });
  }

  /** Huber loss of p = [a1, s1, (a2, s2,) b] from the columns of its exponents. */
  double columnLoss(double[] p, double[] col1, double[] col2) {
    double s = 0;
    for (int i = 0; i < m; i++) {
      double f = p[p.length - 1] + p[0] * col1[i] + (col2 == null ? 0 : p[2] * col2[i]);
      s += w[i] * Huber.loss(f - y[i], delta);
    }
    return s;
  }

  /** y = Σ a_t·exp(s_t·ln x) + b, for a precomputed ln x. */
  static double valueLog(double[] p, double lnx) {
    double y = p[p.length - 1];
    for (int t = 0; t < p.length - 1; t += 2) {
      y += p[t] * Math.exp(p[t + 1] * lnx);
    }
    return y;
  }
}
