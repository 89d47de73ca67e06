package io.cmrwatch.core.cmr;

import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;

/**
 * The critical token point T0 of one run (docs/method.md, "The critical token point T0"): the last
 * crossing from positive to non-positive of the objective's slope
 *
 * <pre>
 *   F(T)     = Ldom(T) + λ·(Lgen(T) − Lgen(0) − ε)
 *   dF/dT    = dDom'(T) + λ·dGen'(T)
 *   g(T)     = T·dF/dT = a1·s1·T^s1 + λ·(a2·s2·T^s2 + a3·s3·T^s3)     (same sign as dF/dT for T &gt; 0)
 * </pre>
 *
 * <p>T0 = 0 when g ≤ 0 everywhere on the search range; T0 = +∞ when g is still positive at the
 * search horizon (the general-loss bump never turns over in any horizon that matters). T is in
 * token units throughout.
 *
 * <p>Root finding: g is sampled on a log grid of {@value #POINTS_PER_DECADE} points per decade,
 * scanning down from the horizon to {@link #MIN_T}; the first sample from the top with g &gt; 0
 * brackets the last crossing with the sample above it, and the bracket is refined by Brent's method
 * to a relative tolerance of 1e-12. A positive excursion of g narrower than one grid cell (a 15 %
 * token span) could be missed; such a run has no meaningful bump.
 */
public final class CriticalPoint {

  /** Grid density of the bracketing scan. */
  public static final int POINTS_PER_DECADE = 16;

  /**
   * Lower end of the search, in token units (2e8 tokens → 200 tokens): below any real evaluation.
   */
  public static final double MIN_T = 1e-6;

  private CriticalPoint() {}

  /**
   * T0 in token units.
   *
   * @param domain the run's domain law (form {@link LawForm#DOMAIN})
   * @param general the run's general law (form {@link LawForm#GENERAL})
   * @param lambda weight λ &gt; 0
   * @param horizon upper end of the search in token units (e.g. 1000 × the budget)
   * @return T0 &ge; 0, or {@link Double#POSITIVE_INFINITY} when g &gt; 0 at the horizon
   */
  public static double t0(Law domain, Law general, double lambda, double horizon) {
    check(domain, general);
    double[] d = domain.parameters();
    double[] g = general.parameters();
    if (slope(d, g, lambda, horizon) > 0) {
      return Double.POSITIVE_INFINITY;
    }
    double step = Math.pow(10.0, -1.0 / POINTS_PER_DECADE);
    double upper = horizon;
    double t = horizon * step;
    while (t >= MIN_T) {
      if (slope(d, g, lambda, t) > 0) {
        return brent(d, g, lambda, t, upper);
      }
      upper = t;
      t *= step;
    }
    return 0.0;
  }

  /**
   * g(T) = T·dF/dT = a1·s1·T^s1 + λ·(a2·s2·T^s2 + a3·s3·T^s3), with {@code d = [a1, s1, b1]} and
   * {@code g = [a2, s2, a3, s3, b2]}.
   */
  public static double slope(double[] d, double[] g, double lambda, double t) {
    return d[0] * d[1] * Math.pow(t, d[1])
        + lambda * (g[0] * g[1] * Math.pow(t, g[1]) + g[2] * g[3] * Math.pow(t, g[3]));
  }

  /**
   * Sensitivity of T0 to the law parameters by the implicit-function theorem, dT0/dθ =
   * −(∂g/∂θ)/(∂g/∂T) at T0, written into {@code dDomain} (3) and {@code dGeneral} (5). Returns
   * false (and writes nothing useful) when T0 is 0 or infinite or g is flat at T0.
   */
  public static boolean gradient(
      Law domain, Law general, double lambda, double t0, double[] dDomain, double[] dGeneral) {
    if (!(t0 > 0) || Double.isInfinite(t0)) {
      return false;
    }
    double[] d = domain.parameters();
    double[] g = general.parameters();
    double lnT = Math.log(t0);
    double p1 = Math.pow(t0, d[1]);
    double p2 = Math.pow(t0, g[1]);
    double p3 = Math.pow(t0, g[3]);
    // ∂g/∂T = (a1·s1²·T^s1 + λ·(a2·s2²·T^s2 + a3·s3²·T^s3)) / T
    double dgdT =
        (d[0] * d[1] * d[1] * p1 + lambda * (g[0] * g[1] * g[1] * p2 + g[2] * g[3] * g[3] * p3))
            / t0;
    if (dgdT == 0 || !Double.isFinite(dgdT)) {
      return false;
    }
    // ∂g/∂a = s·T^s, ∂g/∂s = a·T^s·(1 + s·ln T), ∂g/∂b = 0; general terms carry the factor λ.
    dDomain[0] = -(d[1] * p1) / dgdT;
    dDomain[1] = -(d[0] * p1 * (1 + d[1] * lnT)) / dgdT;
    dDomain[2] = 0;
    dGeneral[0] = -(lambda * g[1] * p2) / dgdT;
    dGeneral[1] = -(lambda * g[0] * p2 * (1 + g[1] * lnT)) / dgdT;
    dGeneral[2] = -(lambda * g[3] * p3) / dgdT;
    dGeneral[3] = -(lambda * g[2] * p3 * (1 + g[3] * lnT)) / dgdT;
    dGeneral[4] = 0;
    return true;
  }

  /**
   * Gradient of g(T) = a1·s1·T^s1 + λ·(a2·s2·T^s2 + a3·s3·T^s3) with respect to the parameters at a
   * fixed T, written into {@code dDomain} (3) and {@code dGeneral} (5): ∂g/∂a = s·T^s, ∂g/∂s =
   * a·T^s·(1 + s·ln T), ∂g/∂b = 0, the general terms with the factor λ.
   */
  public static void slopeGradient(
      Law domain, Law general, double lambda, double t, double[] dDomain, double[] dGeneral) {
    double[] d = domain.parameters();
    double[] g = general.parameters();
    double lnT = Math.log(t);
    double p1 = Math.pow(t, d[1]);
    double p2 = Math.pow(t, g[1]);
    double p3 = Math.pow(t, g[3]);
    dDomain[0] = d[1] * p1;
    dDomain[1] = d[0] * p1 * (1 + d[1] * lnT);
    dDomain[2] = 0;
    dGeneral[0] = lambda * g[1] * p2;
    dGeneral[1] = lambda * g[0] * p2 * (1 + g[1] * lnT);
    dGeneral[2] = lambda * g[3] * p3;
    dGeneral[3] = lambda * g[2] * p3 * (1 + g[3] * lnT);
    dGeneral[4] = 0;
  }

  private static void check(Law domain, Law general) {
    if (domain.form() != LawForm.DOMAIN) {
      throw new IllegalArgumentException("T0 needs a domain law, got " + domain.form().id());
    }
    if (general.form() != LawForm.GENERAL) {
      throw new IllegalArgumentException("T0 needs a general law, got " + general.form().id());
    }
  }

  // Brent's method on [lo, hi] with g(lo) > 0 ≥ g(hi); searched in ln T, where g is smooth and well
  // scaled.
  private static double brent(double[] d, double[] g, double lambda, double lo, double hi) {
    double a = Math.log(lo);
    double b = Math.log(hi);
    double fa = slope(d, g, lambda, lo);
    double fb = slope(d, g, lambda, hi);
    if (fb == 0) {
      // g touches zero at the upper sample: the crossing is there.
      return hi;
    }
    double c = a;
    double fc = fa;
    double e = b - a;
    double dd = e;
    for (int i = 0; i < 200; i++) {
      if (Math.abs(fc) < Math.abs(fb)) {
        a = b;
        b = c;
        c = a;
        fa = fb;
        fb = fc;
        fc = fa;
      }
      double tol = 1e-12 * Math.max(1.0, Math.abs(b));
      double m = 0.5 * (c - b);
      if (Math.abs(m) <= tol || fb == 0) {
        break;
      }
      if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
        double s = fb / fa;
        double p;
        double q;
        if (a == c) {
          p = 2 * m * s;
          q = 1 - s;
        } else {
          double qq = fa / fc;
          double r = fb / fc;
          p = s * (2 * m * qq * (qq - r) - (b - a) * (r - 1));
          q = (qq - 1) * (r - 1) * (s - 1);
        }
        if (p > 0) {
          q = -q;
        } else {
          p = -p;
        }
        if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
          e = dd;
          dd = p / q;
        } else {
          dd = m;
          e = m;
        }
      } else {
        dd = m;
        e = m;
      }
      a = b;
      fa = fb;
      b += Math.abs(dd) > tol ? dd : Math.copySign(tol, m);
      fb = slope(d, g, lambda, Math.exp(b));
      if ((fb > 0) == (fc > 0)) {
        c = a;
        fc = fa;
        e = b - a;
        dd = e;
      }
    }
    return Math.exp(b);
  }
}
