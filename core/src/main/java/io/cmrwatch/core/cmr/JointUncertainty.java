package io.cmrwatch.core.cmr;

import java.util.SplittableRandom;
import org.hipparchus.distribution.continuous.NormalDistribution;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.EigenDecompositionSymmetric;

/**
 * The uncertainty of what the method reads from the joint fit (docs/method.md, "Uncertainty"). A
 * quantity q(θ, D) — the CMR, a run's dGen(T_max), its turn-over margin — gets its standard
 * deviation from central differences of ± one standard deviation along each column of the Cholesky
 * factor L of the fit's covariance Σ = L·Lᵀ, and along each ratio's domain term D (independent,
 * from its own fit): var q ≈ Σ_j ((q(θ̂ + L_j) − q(θ̂ − L_j))/2)². This is the delta method taken
 * as a secant over one standard deviation rather than a tangent, so it steps over the kinks of a
 * quantity like the CMR (the minimum of two crossings) and carries some of its curvature.
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
    double[] alpha = new double[m];
    double[] pi = new double[m];
    for (int k = 0; k < m; k++) {
      alpha[k] = th[JointGeneral.alpha(k)];
      pi[k] = th[JointGeneral.pi(k)];
    }
    return across.solve(x, JointGeneral.s2(th), JointGeneral.d(th), alpha, pi, dom);
  }

  /** The CMR's standard deviation at budget share x. */
  double cmrSd(AcrossRatios across, double x, double[] dom, double[] domSd) {
    return sd((th, d) -> cmrAt(across, x, th, d), dom, domSd);
  }

  /** The CMR alone at budget share x for parameters θ. */
  static double cmrAt(AcrossRatios across, double x, double[] th, double[] dom) {
    int m = across.ratios();
    double[] alpha = new double[m];
    double[] pi = new double[m];
    for (int k = 0; k < m; k++) {
      alpha[k] = th[JointGeneral.alpha(k)];
      pi[k] = th[JointGeneral.pi(k)];
    }
    return across.cmr(x, JointGeneral.s2(th), JointGeneral.d(th), alpha, pi, dom);
  }

  /**
   * The linearised variance of the CMR at the budget for an information matrix I: gᵀ·I⁻¹·g + Σ_k
   * (g_D,k·sd_k)² with g the implicit-function gradient at the plug-in CMR.
   */
  static double linearVariance(
      AcrossRatios across, double[] th, double[] dom, double[] domSd, double cmr, double[][] info) {
    int m = across.ratios();
    double[] alpha = new double[m];
    double[] pi = new double[m];
    for (int k = 0; k < m; k++) {
      alpha[k] = th[JointGeneral.alpha(k)];
      pi[k] = th[JointGeneral.pi(k)];
    }
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
   * A quantity's standard deviation: central differences over ± one standard deviation along each
   * column of L and each domain term. NaN without a covariance.
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
        up[i] += root[i][j];
        down[i] -= root[i][j];
      }
      out[j] = 0.5 * (q.at(up, dom) - q.at(down, dom));
    }
    for (int k = 0; k < dom.length; k++) {
      if (domSd[k] == 0) {
        continue;
      }
      double[] up = dom.clone();
      double[] down = dom.clone();
      up[k] += domSd[k];
      down[k] -= domSd[k];
      out[n + k] = 0.5 * (q.at(theta, up) - q.at(theta, down));
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
    double[] dm = differences((th, d) -> margin(th, k, d[0]), one, oneSd);
    double[] dg = differences((th, d) -> general(th, k) - epsilon, one, oneSd);
    double m = margin(theta, k, dom);
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
    double[] alpha = new double[m];
    double[] pi = new double[m];
    for (int k = 0; k < m; k++) {
      alpha[k] = th[JointGeneral.alpha(k)];
      pi[k] = th[JointGeneral.pi(k)];
    }
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
