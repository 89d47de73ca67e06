package io.cmrwatch.core.cmr;

import java.util.SplittableRandom;
import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.EigenDecompositionSymmetric;

/**
 * The uncertainty of what the method reads from the joint fit (docs/method.md, "Uncertainty"). A
 * quantity q(θ, D) — the CMR, a run's dGen(T_max), its turn-over margin — gets its standard
 * deviation by the delta method, its gradient taken as central differences of ± {@value #STEP}
 * standard deviations along each column of the Cholesky factor L of the fit's covariance Σ = L·Lᵀ
 * and along each ratio's domain term D (independent, from its own fit): var q ≈ Σ_j ((q(θ̂ + h·L_j)
 * − q(θ̂ − h·L_j))/2h)². Model uncertainty is added to the CMR's: the run-level scatter across
 * ratios ({@link #scatter}) and each ratio's measured discrepancy ({@link #discrepancy}); the
 * analyzer adds the disagreement of the two across-ratio readings and the constraint band.
 *
 * <p>Why not draws from N(θ̂, Σ)? The posterior of (α, π) for a run that has not turned over is a
 * curved ridge: Gaussian draws fall off the ridge, where the data do not go, and their quantiles of
 * dGen(T_max) came out lopsided and too narrow (68–78 % coverage of nominal 90 % on the project's
 * generator, against 88–97 % with this).
 */
final class JointUncertainty {

  private static final NormalDistribution NORMAL = new NormalDistribution();

  /** Fixed standard-normal pairs for the joint probability of two correlated conditions. */
  private static final double[][] PAIRS = pairs(256);

  private final JointGeneral model;
  private final double[] theta;
  private final double[][] covariance;
  private final double[][] root;
  private final double lambda;
  private final double epsilon;

  /**
   * Step of the central differences, in standard deviations. A full standard deviation (a secant)
   * over-reads a weakly identified direction whose transform saturates (an exponent near its bound
   * swings a run's dGen(T_max) by more than the data allow); a tenth keeps to the tangent while
   * still stepping over the search's resolution.
   */
  static final double STEP = 0.1;

  /** What a quantity is as a function of the joint parameters and the domain terms. */
  interface Quantity {
    double at(double[] theta, double[] dom);
  }

  JointUncertainty(JointGeneral model, JointGeneral.Fit fit, double lambda, double epsilon) {
    this.model = model;
    this.theta = fit.theta();
    this.covariance = fit.covariance();
    this.root = root(covariance, theta.length);
    this.lambda = lambda;
    this.epsilon = epsilon;
    this.discrepancy = estimateDiscrepancy(fit.noise());
    estimateScatter();
  }

  double[] theta() {
    return theta;
  }

  /** The plug-in solution across ratios at the fitted parameters. */
  AcrossRatios.Solution solve(AcrossRatios across, double x, double[] dom) {
    return solveAt(across, x, theta, dom);
  }

  static AcrossRatios.Solution solveAt(AcrossRatios across, double x, double[] th, double[] dom) {
    int m = across.ratios();
    double[] alpha = JointGeneral.alphas(th, m);
    double[] pi = JointGeneral.pis(th, m);
    return across.solve(x, JointGeneral.s2(th), JointGeneral.d(th), alpha, pi, dom);
  }

  /**
   * The CMR's standard deviation at budget share x: the fit's uncertainty, plus the run-level
   * scatter of the ratios' α and π around a smooth trend across R (see {@link #scatter}), each
   * ratio's deviation an independent direction.
   */
  double cmrSd(AcrossRatios across, double x, double[] dom, double[] domSd) {
    Quantity q = (th, d) -> cmrAt(across, x, th, d);
    double s = sd(q, dom, domSd);
    double var = s * s;
    // Model discrepancy: each ratio's constraints moved by what its own data say the joint law
    // misses at the end of the observed tokens.
    for (int i = 0; i < discrepancy.length; i++) {
      if (!(discrepancy[i] > 0)) {
        continue;
      }
      double base = across.shifts[i];
      across.shifts[i] = base + discrepancy[i];
      double up = q.at(theta, dom);
      across.shifts[i] = base - discrepancy[i];
      double down = q.at(theta, dom);
      across.shifts[i] = base;
      double dv = 0.5 * (up - down);
      var += dv * dv;
    }
    for (int k = 0; k < model.m; k++) {
      for (int which = 0; which < 2; which++) {
        double tau = which == 0 ? scatter[0] : scatter[1];
        if (!(tau > 0)) {
          continue;
        }
        int i = which == 0 ? JointGeneral.alpha(k) : JointGeneral.pi(k);
        double[] up = theta.clone();
        double[] down = theta.clone();
        up[i] += tau;
        down[i] -= tau;
        double dv = 0.5 * (q.at(up, dom) - q.at(down, dom));
        var += dv * dv;
      }
    }
    return Math.sqrt(var);
  }

  /**
   * The run-level scatter of α and π across ratios, [τ_α, τ_π]: how far the fitted ratios' values
   * stray from a smooth trend in z = ln R beyond what their own uncertainty explains, by the method
   * of moments on their second divided differences: τ² = mean(Δ²_k² − var Δ²_k) / mean(Σc²), at
   * least 0. A run's own curve is what it is, but the CMR is the trend's: a ratio between two
   * trained runs would have its own deviation, and a run off the trend moves the crossing read
   * between its neighbours. Zero with fewer than three ratios.
   */
  final double[] scatter = new double[2];

  /**
   * Per ratio, the model discrepancy that the noise does not explain: first for the tolerance, then
   * for the turn-over. Measured over each run's last doubling of tokens — the weighted mean
   * residual (data − law) and the data's least-squares slope in ln T minus the law's on the same
   * points, each as √(Δ² − var Δ) when Δ² exceeds four times var Δ — and, for a run not yet at the
   * budget, combined in quadrature with the distance between the law's reading at the budget and
   * the recent past continued (the last doubling's level held, its slope kept), times (1 − x_end)².
   * Averaged over the ratio's runs. They enter the CMR's uncertainty as shifts of the ratio's
   * constraints: a law that bends away from a run's last points, or is asked far beyond them, is
   * not trusted to better than that.
   */
  final double[] discrepancy;

  /** A squared discrepancy counts when it exceeds this multiple of its variance (2 s.e.). */
  private static final double SIGNIFICANT = 4;

  private double[] estimateDiscrepancy(double[] noise) {
    int m = model.m;
    double[] out = new double[2 * m];
    double[] wsum = new double[2 * m];
    for (int run = 0; run < model.runs; run++) {
      double[] lx = model.lnx[run];
      int n = lx.length;
      double from = lx[n - 1] - Math.log(2);
      double sw = 0;
      double sl = 0;
      for (int i = 0; i < n; i++) {
        if (lx[i] >= from) {
          sw += model.w[run][i];
          sl += model.w[run][i] * lx[i];
        }
      }
      int k = model.group[run];
      double lbar = sl / sw;
      double level = 0;
      double sxx = 0;
      double sxr = 0;
      double sxf = 0;
      int count = 0;
      for (int i = 0; i < n; i++) {
        if (lx[i] < from) {
          continue;
        }
        double f = JointGeneral.value(theta, k, model.x[run][i]);
        double r = model.y[run][i] - f;
        double wi = model.w[run][i];
        level += wi * r;
        sxx += wi * (lx[i] - lbar) * (lx[i] - lbar);
        sxr += wi * (lx[i] - lbar) * r;
        sxf += wi * (lx[i] - lbar) * f;
        count++;
      }
      if (count < 4 || !(sxx > 0)) {
        continue;
      }
      double v2 = noise[run] * noise[run];
      double dl = level / sw;
      double ds = sxr / sxx;
      // Counted only when significant (beyond two standard errors): noise alone would otherwise
      // widen every interval by its positive half.
      double vl = v2 / sw;
      double vs = v2 / sxx;
      double el = dl * dl > SIGNIFICANT * vl ? Math.sqrt(dl * dl - vl) : 0;
      double es = ds * ds > SIGNIFICANT * vs ? Math.sqrt(ds * ds - vs) : 0;
      // Beyond the data the law's shape is an assumption: the other plausible future is the recent
      // past continued — the level of the last doubling held (for the tolerance) and its slope in
      // ln T kept (for the turn-over). Their distance from the law's reading at the budget, times
      // the share of the budget still to come, is a further discrepancy.
      double xEnd = model.x[run][n - 1];
      if (xEnd < 1) {
        double ahead = (1 - xEnd) * (1 - xEnd);
        double endLevel = JointGeneral.value(theta, k, xEnd) + dl;
        double endSlope = sxf / sxx + ds;
        double s2 = JointGeneral.s2(theta);
        double d = JointGeneral.d(theta);
        double a = Math.exp(theta[JointGeneral.alpha(k)]);
        double lawSlope = a * s2 * (1 - Math.exp(-d * theta[JointGeneral.pi(k)]));
        el = Math.hypot(el, ahead * (JointGeneral.value(theta, k, 1.0) - endLevel));
        es = Math.hypot(es, ahead * (lawSlope - endSlope));
      }
      out[k] += el;
      out[m + k] += es;
      wsum[k]++;
      wsum[m + k]++;
    }
    for (int i = 0; i < out.length; i++) {
      out[i] = wsum[i] > 0 ? out[i] / wsum[i] : 0;
    }
    return out;
  }

  private void estimateScatter() {
    int m = model.m;
    if (m < 3 || covariance == null) {
      return;
    }
    for (int which = 0; which < 2; which++) {
      double num = 0;
      double den = 0;
      for (int k = 1; k + 1 < m; k++) {
        double[] c = JointGeneral.walkCoefficients(model.z, k);
        int[] idx =
            which == 0
                ? new int[] {
                  JointGeneral.alpha(k - 1), JointGeneral.alpha(k), JointGeneral.alpha(k + 1)
                }
                : new int[] {JointGeneral.pi(k - 1), JointGeneral.pi(k), JointGeneral.pi(k + 1)};
        double d2 = 0;
        double var = 0;
        double cc = 0;
        for (int a = 0; a < 3; a++) {
          d2 += c[a] * theta[idx[a]];
          cc += c[a] * c[a];
          for (int b = 0; b < 3; b++) {
            var += c[a] * covariance[idx[a]][idx[b]] * c[b];
          }
        }
        num += d2 * d2 - var;
        den += cc;
      }
      scatter[which] = num > 0 ? Math.sqrt(num / den) : 0;
    }
  }

  /** The CMR alone at budget share x for parameters θ. */
  static double cmrAt(AcrossRatios across, double x, double[] th, double[] dom) {
    int m = across.ratios();
    double[] alpha = JointGeneral.alphas(th, m);
    double[] pi = JointGeneral.pis(th, m);
    return across.cmr(x, JointGeneral.s2(th), JointGeneral.d(th), alpha, pi, dom);
  }

  /**
   * The linearised variance of the CMR at the budget for an information matrix I: gᵀ·I⁻¹·g + Σ_k
   * (g_D,k·sd_k)² with g the implicit-function gradient at the plug-in CMR.
   */
  static double linearVariance(
      AcrossRatios across, double[] th, double[] dom, double[] domSd, double cmr, double[][] info) {
    int m = across.ratios();
    double[] alpha = JointGeneral.alphas(th, m);
    double[] pi = JointGeneral.pis(th, m);
    double[] g = new double[th.length];
    double[] gd = new double[m];
    across.gradient(1.0, th, alpha, pi, dom, cmr, g, gd);
    double var = Linear.inverseQuadratic(info, g);
    for (int k = 0; k < m; k++) {
      var += gd[k] * gd[k] * domSd[k] * domSd[k];
    }
    return var;
  }

  /**
   * A quantity's standard deviation: central differences over ± {@value #STEP} standard deviations
   * along each column of L and each domain term. NaN without a covariance.
   */
  double sd(Quantity q, double[] dom, double[] domSd) {
    double[] v = differences(q, dom, domSd);
    if (v == null) {
      return Double.NaN;
    }
    double var = 0;
    for (double d : v) {
      var += d * d;
    }
    return Math.sqrt(var);
  }

  // Half the change of q along each direction (θ's Cholesky columns, then each domain term).
  private double[] differences(Quantity q, double[] dom, double[] domSd) {
    if (root == null) {
      return null;
    }
    int n = theta.length;
    double[] out = new double[n + dom.length];
    for (int j = 0; j < n; j++) {
      double[] up = theta.clone();
      double[] down = theta.clone();
      for (int i = j; i < n; i++) {
        up[i] += STEP * root[i][j];
        down[i] -= STEP * root[i][j];
      }
      out[j] = (q.at(up, dom) - q.at(down, dom)) / (2 * STEP);
    }
    for (int k = 0; k < dom.length; k++) {
      if (domSd[k] == 0) {
        continue;
      }
      double[] up = dom.clone();
      double[] down = dom.clone();
      up[k] += STEP * domSd[k];
      down[k] -= STEP * domSd[k];
      out[n + k] = (q.at(theta, up) - q.at(theta, down)) / (2 * STEP);
    }
    return out;
  }

  /** dGen(T_max) of ratio group k at θ. */
  static double general(double[] th, int k) {
    return JointGeneral.value(th, k, 1.0);
  }

  /** The turn-over margin at the budget of ratio group k with domain term D: x·dGen' + D/λ. */
  double margin(double[] th, int k, double dom) {
    double s2 = JointGeneral.s2(th);
    double d = JointGeneral.d(th);
    double a = Math.exp(th[JointGeneral.alpha(k)]);
    return a * s2 * (1 - Math.exp(-d * th[JointGeneral.pi(k)])) + dom / lambda;
  }

  /**
   * The turn gap of ratio group k: h = π − π* with π* the log peak position at which the margin at
   * the budget is zero, A·s2·(1 − e^(−d·π*)) + D/λ = 0, i.e. π* = −ln(1 − κ)/d with κ =
   * −D/(λ·A·s2). h ≤ 0 exactly when the margin is (when κ ≥ 1 the domain term alone has turned the
   * objective: h is very negative).
   */
  double turnGap(double[] th, int k, double dom) {
    double s2 = JointGeneral.s2(th);
    double d = JointGeneral.d(th);
    double a = Math.exp(th[JointGeneral.alpha(k)]);
    double kappa = -dom / (lambda * a * s2);
    double rest = 1 - kappa;
    if (!(rest > 1e-300)) {
      return -50;
    }
    return th[JointGeneral.pi(k)] + Math.log(rest) / d;
  }

  /**
   * Per ratio, the standard deviations of its two constraints at the budget — the tolerance gap
   * dGen(T_max) − ε and the turn-over margin — with its model discrepancy added in quadrature:
   * [tol_0 … tol_m−1, turn_0 … turn_m−1]. The constraint band they span is what {@link
   * ExperimentAnalyzer} inverts for an interval that stays honest where the CMR's tangent does not
   * (at R = 1, where a tangent is zero, and through strongly nonlinear extrapolations).
   */
  double[] constraintSds(double[] dom, double[] domSd) {
    int m = model.m;
    double[] out = new double[2 * m];
    for (int k = 0; k < m; k++) {
      final int g = k;
      double[] one = {dom[k]};
      double[] oneSd = {domSd[k]};
      double tol = sd((th, d) -> general(th, g), new double[0], new double[0]);
      double turn = sd((th, d) -> margin(th, g, d[0]), one, oneSd);
      out[k] = Math.hypot(Double.isFinite(tol) ? tol : 0, discrepancy[k]);
      out[m + k] = Math.hypot(Double.isFinite(turn) ? turn : 0, discrepancy[m + k]);
    }
    return out;
  }

  /** The standard deviation of dGen(T_max) of ratio group k. */
  double generalSd(int k) {
    return sd((th, d) -> general(th, k), new double[0], new double[0]);
  }

  /**
   * P(the run has turned over by the budget) and P(it is feasible there), normal approximations of
   * its margin m and tolerance gap dGen − ε (correlated through θ): [P(m ≤ 0), P(m ≤ 0 and dGen ≤
   * ε)].
   */
  double[] probabilities(int k, double dom, double domSd) {
    double[] one = {dom};
    double[] oneSd = {domSd};
    // The margin is exponential in π, so its linearised spread is meaningless far from zero; its
    // sign
    // is that of the turn gap h = π − π*, linear in π (see turnGap), whose spread is not.
    double[] dm = differences((th, d) -> turnGap(th, k, d[0]), one, oneSd);
    double[] dg = differences((th, d) -> general(th, k) - epsilon, one, oneSd);
    double m = turnGap(theta, k, dom);
    double g = general(theta, k) - epsilon;
    if (dm == null) {
      return new double[] {m <= 0 ? 1 : 0, m <= 0 && g <= 0 ? 1 : 0};
    }
    double vm = 0;
    double vg = 0;
    double cv = 0;
    for (int i = 0; i < dm.length; i++) {
      vm += dm[i] * dm[i];
      vg += dg[i] * dg[i];
      cv += dm[i] * dg[i];
    }
    double sm = Math.sqrt(vm);
    double sg = Math.sqrt(vg);
    double pTurn = sm > 0 ? NORMAL.cumulativeProbability(-m / sm) : (m <= 0 ? 1 : 0);
    if (!(sm > 0) || !(sg > 0)) {
      double pTol = sg > 0 ? NORMAL.cumulativeProbability(-g / sg) : (g <= 0 ? 1 : 0);
      return new double[] {pTurn, pTurn * pTol};
    }
    double rho = Math.max(-1, Math.min(1, cv / (sm * sg)));
    double c = Math.sqrt(Math.max(0, 1 - rho * rho));
    int n = 0;
    for (double[] p : PAIRS) {
      double u = p[0];
      double w = rho * p[0] + c * p[1];
      if (m + sm * u <= 0 && g + sg * w <= 0) {
        n++;
      }
    }
    // The pairs estimate the joint probability; it cannot exceed either marginal.
    double pTol = NORMAL.cumulativeProbability(-g / sg);
    return new double[] {pTurn, Math.min(n / (double) PAIRS.length, Math.min(pTurn, pTol))};
  }

  /**
   * The standard deviation of ln T0 of a run of group k (delta method through the implicit function
   * theorem at x0 = T0/T_max): d ln x0/dθ = −(∂g/∂θ)/(∂g/∂ln x) with g(x) = D(x) + λ·A·s2·x^s2·(1 −
   * (x/p)^d), the domain law's parameters with their own covariance.
   */
  double logT0Sd(int k, RunDomain run, double x0, double tb) {
    if (covariance == null) {
      return Double.NaN;
    }
    double s2 = JointGeneral.s2(theta);
    double d = JointGeneral.d(theta);
    double a = Math.exp(theta[JointGeneral.alpha(k)]);
    double pk = theta[JointGeneral.pi(k)];
    double lx = Math.log(x0);
    double q = Math.exp(d * (lx - pk));
    double rise = lambda * a * s2 * Math.exp(s2 * lx);
    double a1 = run.domain().parameter(0);
    double s1 = run.domain().parameter(1);
    double t = x0 * tb;
    double dt = a1 * s1 * Math.pow(t, s1);
    double dgdlx = dt * s1 + rise * (s2 * (1 - q) - d * q);
    if (!(Math.abs(dgdlx) > 0) || !Double.isFinite(dgdlx)) {
      return Double.NaN;
    }
    double ls2 = JointGeneral.logistic(theta[0]);
    double ld = JointGeneral.logistic(theta[1]);
    double[] grad = new double[theta.length];
    grad[0] =
        lambda
            * a
            * Math.exp(s2 * lx)
            * (1 - q)
            * (1 + s2 * lx)
            * (JointGeneral.S2_HIGH - JointGeneral.S2_LOW)
            * ls2
            * (1 - ls2);
    grad[1] = -rise * q * (lx - pk) * (JointGeneral.D_HIGH - JointGeneral.D_LOW) * ld * (1 - ld);
    grad[JointGeneral.alpha(k)] = rise * (1 - q);
    grad[JointGeneral.pi(k)] = rise * q * d;
    double var = 0;
    for (int i = 0; i < grad.length; i++) {
      if (grad[i] == 0) {
        continue;
      }
      for (int j = 0; j < grad.length; j++) {
        var += grad[i] * covariance[i][j] * grad[j];
      }
    }
    double[][] dc = run.domainFit().covariance();
    if (dc != null) {
      double g0 = s1 * Math.pow(t, s1);
      double g1 = a1 * Math.pow(t, s1) * (1 + s1 * Math.log(t));
      var += g0 * g0 * dc[0][0] + 2 * g0 * g1 * dc[0][1] + g1 * g1 * dc[1][1];
    }
    return var >= 0 ? Math.sqrt(var) / Math.abs(dgdlx) : Double.NaN;
  }

  /**
   * The smallest budget share in {@code xs} (refined by bisection between grid points) at which the
   * ratio at z is feasible, for parameters θ; +∞ when none is. {@code dom[i]} is the domain terms
   * at {@code xs[i]}, shifted by {@code shift} standard deviations {@code domSd[i]}... (as given).
   */
  static double budgetFor(AcrossRatios across, double z, double[] xs, double[][] dom, double[] th) {
    double s2 = JointGeneral.s2(th);
    double d = JointGeneral.d(th);
    int m = across.ratios();
    double[] alpha = JointGeneral.alphas(th, m);
    double[] pi = JointGeneral.pis(th, m);
    double[] dd = new double[m];
    for (int i = 0; i < xs.length; i++) {
      if (across.feasible(z, xs[i], s2, d, alpha, pi, dom[i])) {
        if (i == 0) {
          return xs[0];
        }
        // Bisection in ln x between the last infeasible and this feasible share, the domain terms
        // interpolated between the two grid points.
        double l0 = Math.log(xs[i - 1]);
        double l1 = Math.log(xs[i]);
        double lo = l0;
        double hi = l1;
        for (int it = 0; it < 30; it++) {
          double mid = 0.5 * (lo + hi);
          double f = (mid - l0) / (l1 - l0);
          for (int k = 0; k < m; k++) {
            dd[k] = dom[i - 1][k] + f * (dom[i][k] - dom[i - 1][k]);
          }
          if (across.feasible(z, Math.exp(mid), s2, d, alpha, pi, dd)) {
            hi = mid;
          } else {
            lo = mid;
          }
        }
        return Math.exp(0.5 * (lo + hi));
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  /** The standard deviation of ln(budgetFor) over θ's directions (NaN when a step is unbounded). */
  double logBudgetSd(AcrossRatios across, double z, double[] xs, double[][] dom) {
    return sd((th, d) -> Math.log(budgetFor(across, z, xs, dom, th)), new double[0], new double[0]);
  }

  // A lower-triangular L with L·Lᵀ = Σ, or null without a covariance. When Σ is not quite positive
  // definite (rounding), its eigenvalues are clipped at a tiny positive floor first.
  private static double[][] root(double[][] cov, int n) {
    if (cov == null) {
      return null;
    }
    double[][] l = Linear.cholesky(cov);
    if (l != null) {
      return l;
    }
    {
      EigenDecompositionSymmetric ed =
          new EigenDecompositionSymmetric(new Array2DRowRealMatrix(cov, false));
      double[] ev = ed.getEigenvalues();
      double max = 0;
      for (double v : ev) {
        max = Math.max(max, v);
      }
      double[][] s = new double[n][n];
      for (int k = 0; k < n; k++) {
        double lk = Math.max(ev[k], 1e-12 * max);
        double[] col = ed.getEigenvector(k).toArray();
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            s[i][j] += col[i] * lk * col[j];
          }
        }
      }
      double[][] again = Linear.cholesky(Linear.symmetric(s));
      if (again != null) {
        return again;
      }
      double[][] d = new double[n][n];
      for (int i = 0; i < n; i++) {
        d[i][i] = Math.sqrt(Math.max(cov[i][i], 0));
      }
      return d;
    }
  }

  private static double[][] pairs(int n) {
    SplittableRandom rnd = new SplittableRandom(20240717L);
    double[][] p = new double[n][2];
    for (int i = 0; i < n; i++) {
      double r = Math.sqrt(-2 * Math.log(1.0 - rnd.nextDouble()));
      double a = 2 * Math.PI * rnd.nextDouble();
      p[i][0] = r * Math.cos(a);
      p[i][1] = r * Math.sin(a);
    }
    return p;
  }
}
