package io.cmrwatch.core.cmr;

/**
 * The CMR at one budget from the joint model's per-ratio parameters (docs/method.md, "Across
 * ratios"). Between trained ratios the parameters that move with R — the rise amplitude α, the log
 * peak position π and the domain term D = T·dDom/dT — are interpolated linearly in z = ln R (and
 * extrapolated linearly from the end ratios), the shared exponents held; at any R the two
 * constraints then have closed forms at x = T/T_max:
 *
 * <pre>
 *   tolerance   c_tol(x; R)  = A·x^s2·(1 − (s2/s3)·(x/p)^d) − ε            ≤ 0
 *   turned over c_turn(x; R) = A·s2·x^s2·(1 − (x/p)^d) + D/λ               ≤ 0   (= T·dF/dT / λ)
 * </pre>
 *
 * and CMR = the largest R in (0, 1] meeting both. The search evaluates the trained ratios and a few
 * points beyond them, from R = 1 down; below the first feasible one it scans the segment above in
 * eight steps and bisects the crossing. Interpolating the parameters, not the constraints, is what
 * keeps the step local: between two trained ratios only those two ratios' parameters matter, and no
 * global shape across R is assumed. Not thread-safe.
 */
final class AcrossRatios {

  /** How far below the smallest trained ratio the search goes (a factor on R). */
  static final double BELOW = 8;

  private static final int STEPS = 8;
  private static final int BISECTIONS = 26;

  private final double[] z;
  private final double zShift;
  private final double epsilon;
  private final double lambda;
  private final double[] points;
  private final double[] values = new double[2];
  private final boolean constraintsInterpolated;

  /**
   * Per ratio, additive shifts of the tolerance constraint (first m) and of the turn-over margin
   * (next m), interpolated like the parameters: how the uncertainty step moves a ratio's
   * constraints by its measured model discrepancy. Zero unless set.
   */
  final double[] shifts;

  /**
   * The solution at one budget.
   *
   * @param cmr the largest feasible R (0 when none is)
   * @param tolerance the largest R with dGen ≤ ε
   * @param turnOver the largest R whose objective has turned over
   */
  record Solution(double cmr, double tolerance, double turnOver) {
    String binding() {
      return tolerance <= turnOver ? "tolerance" : "critical_point";
    }
  }

  /**
   * @param z centred log ratios of the trained ratios (increasing, at least two)
   * @param zShift mean of ln R (z = ln R − zShift)
   */
  AcrossRatios(double[] z, double zShift, double epsilon, double lambda) {
    this(z, zShift, epsilon, lambda, false);
  }

  /**
   * With {@code constraintsInterpolated}, the constraints themselves are interpolated linearly in z
   * between the trained ratios (each evaluated with its own ratio's parameters) instead of the
   * parameters: the other plausible reading of the same runs, whose disagreement with the first is
   * part of the CMR's uncertainty.
   */
  AcrossRatios(
      double[] z, double zShift, double epsilon, double lambda, boolean constraintsInterpolated) {
    this.constraintsInterpolated = constraintsInterpolated;
    this.shifts = new double[2 * z.length];
    if (z.length < 2) {
      throw new IllegalArgumentException("at least two ratios are needed across ratios");
    }
    this.z = z;
    this.zShift = zShift;
    this.epsilon = epsilon;
    this.lambda = lambda;
    int m = z.length;
    double top = -zShift; // R = 1
    double bottom = z[0] - Math.log(BELOW);
    int above = z[m - 1] < top ? 4 : 0;
    // Search points from the top down: R = 1 and steps above the last ratio, the ratios, steps
    // below the first.
    double[] p = new double[above + m + 4];
    int n = 0;
    for (int i = above; i >= 1; i--) {
      p[n++] = z[m - 1] + (top - z[m - 1]) * i / above;
    }
    for (int k = m - 1; k >= 0; k--) {
      p[n++] = z[k];
    }
    for (int i = 1; i <= 4; i++) {
      p[n++] = z[0] + (bottom - z[0]) * i / 4;
    }
    this.points = java.util.Arrays.copyOf(p, n);
  }

  /** Number of trained ratios. */
  int ratios() {
    return z.length;
  }

  /** R of a coordinate z (capped at 1). */
  double ratio(double zz) {
    return Math.min(1.0, Math.exp(zz + zShift));
  }

  /** The CMR and the largest R of each constraint alone, at budget share x. */
  Solution solve(double x, double s2, double d, double[] alpha, double[] pi, double[] dom) {
    return new Solution(
        search(x, s2, d, alpha, pi, dom, 3),
        search(x, s2, d, alpha, pi, dom, 1),
        search(x, s2, d, alpha, pi, dom, 2));
  }

  /** The CMR alone at budget share x. */
  double cmr(double x, double s2, double d, double[] alpha, double[] pi, double[] dom) {
    return search(x, s2, d, alpha, pi, dom, 3);
  }

  /** True when the ratio at z is feasible at budget share x (both constraints). */
  boolean feasible(
      double zz, double x, double s2, double d, double[] alpha, double[] pi, double[] dom) {
    return ok(zz, x, s2, d, alpha, pi, dom, 3);
  }

  // The largest R meeting the constraints in mask (1 tolerance, 2 turn-over).
  private double search(
      double x, double s2, double d, double[] alpha, double[] pi, double[] dom, int mask) {
    if (ok(points[0], x, s2, d, alpha, pi, dom, mask)) {
      return ratio(points[0]);
    }
    for (int i = 1; i < points.length; i++) {
      if (!ok(points[i], x, s2, d, alpha, pi, dom, mask)) {
        continue;
      }
      // Scan the segment above from its top for the highest feasible step, then bisect.
      double lo = points[i];
      double hi = points[i - 1];
      for (int s = STEPS - 1; s >= 1; s--) {
        double zz = lo + (hi - lo) * s / STEPS;
        if (ok(zz, x, s2, d, alpha, pi, dom, mask)) {
          hi = lo + (hi - lo) * (s + 1) / STEPS;
          lo = zz;
          break;
        }
      }
      if (hi - lo > (points[i - 1] - points[i]) / STEPS * 1.000001) {
        hi = lo + (points[i - 1] - points[i]) / STEPS;
      }
      for (int it = 0; it < BISECTIONS; it++) {
        double mid = 0.5 * (lo + hi);
        if (ok(mid, x, s2, d, alpha, pi, dom, mask)) {
          lo = mid;
        } else {
          hi = mid;
        }
      }
      return ratio(0.5 * (lo + hi));
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
    constraints(zz, Math.log(x), s2, d, alpha, pi, dom, values);
    return ((mask & 1) == 0 || values[0] <= 0) && ((mask & 2) == 0 || values[1] <= 0);
  }

  // [c_tol, c_turn] at z and ln x into out.
  private void constraints(
      double zz,
      double lx,
      double s2,
      double d,
      double[] alpha,
      double[] pi,
      double[] dom,
      double[] out) {
    int k = segment(zz);
    double t = (zz - z[k]) / (z[k + 1] - z[k]);
    int m = z.length;
    double tolShift = shifts[k] + t * (shifts[k + 1] - shifts[k]);
    double turnShift = shifts[m + k] + t * (shifts[m + k + 1] - shifts[m + k]);
    if (constraintsInterpolated) {
      double a0 = Math.exp(alpha[k] + s2 * lx);
      double a1 = Math.exp(alpha[k + 1] + s2 * lx);
      double q0 = Math.exp(d * (lx - pi[k]));
      double q1 = Math.exp(d * (lx - pi[k + 1]));
      double c = s2 / (s2 + d);
      double tol0 = a0 * (1 - c * q0);
      double tol1 = a1 * (1 - c * q1);
      double turn0 = a0 * s2 * (1 - q0) + dom[k] / lambda;
      double turn1 = a1 * s2 * (1 - q1) + dom[k + 1] / lambda;
      out[0] = tol0 + t * (tol1 - tol0) - epsilon + tolShift;
      out[1] = turn0 + t * (turn1 - turn0) + turnShift;
      return;
    }
    double a = Math.exp(alpha[k] + t * (alpha[k + 1] - alpha[k]) + s2 * lx);
    double p = pi[k] + t * (pi[k + 1] - pi[k]);
    double dm = dom[k] + t * (dom[k + 1] - dom[k]);
    double q = Math.exp(d * (lx - p));
    out[0] = a * (1 - s2 / (s2 + d) * q) - epsilon + tolShift;
    out[1] = a * s2 * (1 - q) + dm / lambda + turnShift;
  }

  // The segment [z_k, z_k+1] used for zz (the end segments extend beyond the ratios).
  private int segment(double zz) {
    int k = 0;
    while (k < z.length - 2 && zz > z[k + 1]) {
      k++;
    }
    return k;
  }

  /**
   * The CMR's gradient at budget share x by the implicit-function theorem at its crossing z*:
   * dCMR/dθ = −CMR·(∂c/∂θ)/(∂c/∂z), c the constraint that binds just above z*. Written into {@code
   * gTheta} (the joint model's layout: s2's and d's raw parameters, then α_k, π_k per ratio) and
   * {@code gDom} (per ratio). Both are left zero when the CMR sits at 1 or at the search's floor.
   */
  void gradient(
      double x,
      double[] theta,
      double[] alpha,
      double[] pi,
      double[] dom,
      double cmr,
      double[] gTheta,
      double[] gDom) {
    java.util.Arrays.fill(gTheta, 0);
    java.util.Arrays.fill(gDom, 0);
    if (!(cmr > 0) || cmr >= 1.0) {
      return;
    }
    double zs = Math.log(cmr) - zShift;
    double lx = Math.log(x);
    double ls2 = JointGeneral.logistic(theta[0]);
    double ld = JointGeneral.logistic(theta[1]);
    double s2 = JointGeneral.S2_LOW + (JointGeneral.S2_HIGH - JointGeneral.S2_LOW) * ls2;
    double d = JointGeneral.D_LOW + (JointGeneral.D_HIGH - JointGeneral.D_LOW) * ld;
    double s3 = s2 + d;
    double h = 1e-7 * Math.max(1, Math.abs(zs));
    constraints(zs + h, lx, s2, d, alpha, pi, dom, values);
    boolean tol = values[0] > values[1];
    int k = segment(zs);
    double t = (zs - z[k]) / (z[k + 1] - z[k]);
    double dz = z[k + 1] - z[k];
    double al = alpha[k] + t * (alpha[k + 1] - alpha[k]);
    double p = pi[k] + t * (pi[k + 1] - pi[k]);
    double a = Math.exp(al + s2 * lx);
    double q = Math.exp(d * (lx - p));
    double c = s2 / s3;
    double dcdAlpha;
    double dcdPi;
    double dcds2;
    double dcdd;
    double dcdDom = 0;
    if (tol) {
      dcdAlpha = a * (1 - c * q);
      dcdPi = a * c * q * d;
      dcds2 = a * (lx * (1 - c * q) - q * d / (s3 * s3));
      dcdd = a * (q * s2 / (s3 * s3) - c * q * (lx - p));
    } else {
      dcdAlpha = a * s2 * (1 - q);
      dcdPi = a * s2 * q * d;
      dcds2 = a * (1 - q) * (1 + s2 * lx);
      dcdd = -a * s2 * q * (lx - p);
      dcdDom = 1 / lambda;
    }
    double dcdz =
        dcdAlpha * (alpha[k + 1] - alpha[k]) / dz
            + dcdPi * (pi[k + 1] - pi[k]) / dz
            + dcdDom * (dom[k + 1] - dom[k]) / dz;
    if (!(Math.abs(dcdz) > 0) || !Double.isFinite(dcdz)) {
      return;
    }
    double f = -cmr / dcdz;
    gTheta[0] = f * dcds2 * (JointGeneral.S2_HIGH - JointGeneral.S2_LOW) * ls2 * (1 - ls2);
    gTheta[1] = f * dcdd * (JointGeneral.D_HIGH - JointGeneral.D_LOW) * ld * (1 - ld);
    gTheta[JointGeneral.alpha(k)] += f * dcdAlpha * (1 - t);
    gTheta[JointGeneral.alpha(k + 1)] += f * dcdAlpha * t;
    gTheta[JointGeneral.pi(k)] += f * dcdPi * (1 - t);
    gTheta[JointGeneral.pi(k + 1)] += f * dcdPi * t;
    gDom[k] += f * dcdDom * (1 - t);
    gDom[k + 1] += f * dcdDom * t;
  }
}
