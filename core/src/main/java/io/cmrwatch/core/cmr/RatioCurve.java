package io.cmrwatch.core.cmr;

import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import java.util.Arrays;

/**
 * One constraint of the method read across ratios: per-run values y_k at ratios R_k (dGen(T_max)
 * against ε, or the turn-over margin T·dF/dT/λ at T_max against 0), and the largest R whose
 * interpolated value is still ≤ the target. The constraint is assumed to grow with R (more domain
 * data forgets more and turns over later), so the answer is the crossing of the curve with the
 * target.
 *
 * <p>Interpolation: with at least three distinct ratios of finite values, the paper's across-ratio
 * law y(R) = α·R^s + β is fitted by the robust fitter, weighted by 1/(var_k + τ²) (each run's
 * delta-method variance plus a floor τ² so that no run dominates), and inverted in closed form, R =
 * ((target − β)/α)^(1/s), then kept inside the bracket of trained ratios where the runs' values
 * cross the target ({@link #clampToBracket}). If there are fewer points, the fit fails, or the
 * fitted curve falls with R, the crossing is found by linear interpolation between the last run
 * below and the first run above the target (extrapolating from the two end runs when all lie on one
 * side). With {@code bounded}, the linear interpolation runs on u = y/(1 + y), for non-negative
 * values that may be infinite.
 */
final class RatioCurve {

  /** Result of one inversion. */
  record Crossing(double ratio, Law law, String method, double chi2, double linearRatio) {}

  private RatioCurve() {}

  /**
   * The crossing after moving the values, with the fitted exponent s held fixed so that α and β
   * follow in closed form (weighted least squares on z = R^s): the cheap re-solve used for the
   * CMR's sensitivities. Falls back to {@link #linear} when the crossing was not from the ratio
   * law.
   */
  static double resolveFixedExponent(
      Crossing base,
      double[] r,
      double[] y,
      double[] var,
      double target,
      double tau,
      boolean bounded) {
    if (base.law() == null) {
      return linear(r, y, target, bounded);
    }
    double s = base.law().parameter(1);
    double sw = 0;
    double sz = 0;
    double sy = 0;
    double szz = 0;
    double szy = 0;
    double firstInfinite = Double.POSITIVE_INFINITY;
    for (int i = 0; i < r.length; i++) {
      if (!Double.isFinite(y[i])) {
        firstInfinite = Math.min(firstInfinite, r[i]);
        continue;
      }
      double v = Double.isFinite(var[i]) ? var[i] : Math.max(1.0, y[i] * y[i]) * 4;
      double w = 1.0 / (v + tau * tau);
      double z = Math.pow(r[i], s);
      sw += w;
      sz += w * z;
      sy += w * y[i];
      szz += w * z * z;
      szy += w * z * y[i];
    }
    double det = sw * szz - sz * sz;
    if (!(det > 0)) {
      return base.ratio();
    }
    double a = (sw * szy - sz * sy) / det;
    double b = (sy - a * sz) / sw;
    if (!(a * s > 0)) {
      return linear(r, y, target, bounded);
    }
    double[] fr = new double[r.length];
    double[] fy = new double[r.length];
    int m = 0;
    for (int i = 0; i < r.length; i++) {
      if (Double.isFinite(y[i])) {
        fr[m] = r[i];
        fy[m] = y[i];
        m++;
      }
    }
    return Math.min(clampToBracket(invert(a, s, b, target), fr, fy, m, target), firstInfinite);
  }

  /**
   * Largest R with y(R) ≤ target: may be 0 (no ratio) or above 1 (every ratio up to 1 and beyond);
   * +∞ when the curve never reaches the target.
   *
   * @param bounded true for non-negative values that may be infinite (linear fallback on y/(1 + y))
   * @param warm a previous fit of the same curve, or null
   */
  static Crossing solve(
      double[] r,
      double[] y,
      double[] var,
      double target,
      double tau,
      boolean bounded,
      Law warm,
      FitOptions options) {
    int n = r.length;
    double[] fr = new double[n];
    double[] fy = new double[n];
    double[] fw = new double[n];
    int m = 0;
    double firstInfinite = Double.POSITIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      if (Double.isFinite(y[i])) {
        fr[m] = r[i];
        fy[m] = y[i];
        double v = Double.isFinite(var[i]) ? var[i] : Math.max(1.0, y[i] * y[i]) * 4;
        fw[m] = 1.0 / (v + tau * tau);
        m++;
      } else {
        firstInfinite = Math.min(firstInfinite, r[i]);
      }
    }
    if (distinct(fr, m) >= 3) {
      double[] xr = Arrays.copyOf(fr, m);
      double[] yr = Arrays.copyOf(fy, m);
      double[] wr = Arrays.copyOf(fw, m);
      double mean = 0;
      for (double w : wr) {
        mean += w / m;
      }
      double[] wn = new double[m];
      for (int i = 0; i < m; i++) {
        wn[i] = wr[i] / mean;
      }
      // Start: the best exponent s on a grid, with α and β by weighted least squares for each
      // (closed form); the
      // robust fitter then refines from there. Much cheaper than a multi-start cold fit, and never
      // stale like a
      // start taken from an earlier estimate's curve.
      Law start = warm != null ? warm : profileStart(xr, yr, wn);
      FitResult f =
          start != null
              ? RobustFitter.refit(LawForm.RATIO, xr, yr, wn, start, options)
              : RobustFitter.fit(LawForm.RATIO, xr, yr, wn, options);
      if (f.ok()) {
        double a = f.law().parameter(0);
        double s = f.law().parameter(1);
        double b = f.law().parameter(2);
        if (a * s > 0) {
          double root = invert(a, s, b, target);
          double chi2 = 0;
          for (int i = 0; i < m; i++) {
            double e = yr[i] - f.law().value(xr[i]);
            chi2 += e * e * wr[i];
          }
          chi2 = m > 3 ? chi2 / (m - 3) : Double.NaN;
          root = clampToBracket(root, fr, fy, m, target);
          return new Crossing(
              Math.min(root, firstInfinite),
              f.law(),
              "ratio_law",
              chi2,
              linear(r, y, target, bounded));
        }
      }
    }
    double lin = linear(r, y, target, bounded);
    return new Crossing(lin, null, "linear", Double.NaN, lin);
  }

  /**
   * Keeps the curve's crossing between the runs where the data cross the target: after the last run
   * at or below it (before the first run above it) and before the first run above it; at or below
   * the first run when every run is above the target, at or above the last run when none is. The
   * fitted curve decides where inside that bracket.
   */
  static double clampToBracket(double root, double[] r, double[] y, int m, double target) {
    Integer[] order = new Integer[m];
    for (int i = 0; i < m; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (i, j) -> Double.compare(r[i], r[j]));
    int first = -1;
    for (int i = 0; i < m; i++) {
      if (y[order[i]] > target) {
        first = i;
        break;
      }
    }
    if (first == -1) {
      return Math.max(root, r[order[m - 1]]);
    }
    double hi = r[order[first]];
    double lo = first == 0 ? 0.0 : r[order[first - 1]];
    return Math.max(lo, Math.min(hi, root));
  }

  private static final double[] S_GRID = new double[56];

  static {
    // |s| from 0.05 to 3.0 on a log grid, both signs.
    for (int i = 0; i < 28; i++) {
      double v = 0.05 * Math.pow(60.0, i / 27.0);
      S_GRID[2 * i] = v;
      S_GRID[2 * i + 1] = -v;
    }
  }

  /**
   * The law α·R^s + β minimising the weighted squared error over s on {@link #S_GRID}; null if none
   * fits.
   */
  static Law profileStart(double[] r, double[] y, double[] w) {
    Law best = null;
    double bestSse = Double.POSITIVE_INFINITY;
    for (double s : S_GRID) {
      double sw = 0;
      double sz = 0;
      double sy = 0;
      double szz = 0;
      double szy = 0;
      for (int i = 0; i < r.length; i++) {
        double z = Math.pow(r[i], s);
        sw += w[i];
        sz += w[i] * z;
        sy += w[i] * y[i];
        szz += w[i] * z * z;
        szy += w[i] * z * y[i];
      }
      double det = sw * szz - sz * sz;
      if (!(det > 1e-300 * sw * szz)) {
        continue;
      }
      double a = (sw * szy - sz * sy) / det;
      double b = (sy - a * sz) / sw;
      double sse = 0;
      for (int i = 0; i < r.length; i++) {
        double e = y[i] - a * Math.pow(r[i], s) - b;
        sse += w[i] * e * e;
      }
      if (sse < bestSse && Double.isFinite(a) && Double.isFinite(b) && a != 0) {
        bestSse = sse;
        best = Law.of(LawForm.RATIO, a, s, b);
      }
    }
    return best;
  }

  // α·R^s + β = target for an increasing curve (α·s > 0).
  private static double invert(double a, double s, double b, double target) {
    double q = (target - b) / a;
    if (q > 0) {
      return Math.pow(q, 1.0 / s);
    }
    // No positive root: the curve is above the target everywhere (→ 0) or below it everywhere (→
    // ∞).
    boolean belowAtOne = a + b <= target;
    return belowAtOne ? Double.POSITIVE_INFINITY : 0.0;
  }

  private static int distinct(double[] r, int m) {
    return (int) Arrays.stream(r, 0, m).distinct().count();
  }

  /** The crossing by linear interpolation over the runs sorted by ratio (equal ratios averaged). */
  static double linear(double[] r, double[] y, double target, boolean bounded) {
    int n = r.length;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (i, j) -> Double.compare(r[i], r[j]));
    double[] gr = new double[n];
    double[] gu = new double[n];
    int m = 0;
    for (int k = 0; k < n; ) {
      int j = k;
      double sum = 0;
      while (j < n && r[order[j]] == r[order[k]]) {
        sum += transform(y[order[j]], bounded);
        j++;
      }
      gr[m] = r[order[k]];
      gu[m] = sum / (j - k);
      m++;
      k = j;
    }
    double tu = transform(target, bounded);
    int first = -1;
    for (int i = 0; i < m; i++) {
      if (gu[i] > tu) {
        first = i;
        break;
      }
    }
    if (m == 1) {
      return gu[0] <= tu ? Double.POSITIVE_INFINITY : 0.0;
    }
    if (first == -1) {
      double slope = (gu[m - 1] - gu[m - 2]) / (gr[m - 1] - gr[m - 2]);
      return slope > 0 ? gr[m - 1] + (tu - gu[m - 1]) / slope : Double.POSITIVE_INFINITY;
    }
    if (first == 0) {
      double slope = (gu[1] - gu[0]) / (gr[1] - gr[0]);
      return slope > 0 ? Math.max(0.0, gr[0] - (gu[0] - tu) / slope) : 0.0;
    }
    double r0 = gr[first - 1];
    double r1 = gr[first];
    return r0 + (tu - gu[first - 1]) * (r1 - r0) / (gu[first] - gu[first - 1]);
  }

  private static double transform(double y, boolean bounded) {
    if (!bounded) {
      return y;
    }
    return Double.isInfinite(y) ? 1.0 : y / (1.0 + y);
  }
}
