package io.cmrwatch.core.cmr;

import java.util.Arrays;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer.Optimum;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.util.Pair;

/**
 * The joint, partially pooled general-loss model of one experiment's runs (docs/method.md, "Joint
 * general-loss model"). With x = T/T_max (tokens as a share of the budget), run k's general-loss
 * increase is the rise-then-fall law written through its peak:
 *
 * <pre>
 *   dGen_k(x) = A_k·x^s2·(1 − (s2/s3)·(x/p_k)^d),   s3 = s2 + d,   A_k = e^{α_k},  p_k = e^{π_k}
 * </pre>
 *
 * which is the project's general law a2·T^s2 + a3·T^s3 with a2 = A_k/T_max^s2 and a3 =
 * −A_k·(s2/s3)·p_k^(−d)/T_max^s3; p_k is where the bump peaks, as a share of the budget. The
 * exponents s2 and d are shared by the runs (one model, one data source, one schedule); the rise
 * amplitude α_k and the log peak position π_k are per run, tied across z = ln R by a second-order
 * random-walk prior of scale τ (their second divided differences across z are N(0, τ²)): runs whose
 * peak the data show fix their own π, and a run that has not turned over yet borrows the trend of
 * its neighbours, while any run's own data override a smooth trend they contradict. A straight line
 * in z — a power law in R — costs nothing, and nothing else is assumed of the shape across R.
 *
 * <p>Fitted by Levenberg–Marquardt (Hipparchus) on Huber-reweighted (IRLS) residuals scaled by each
 * run's noise, estimated from its own residuals (shrunk towards the pooled scale). The Laplace
 * approximation (JᵀJ)⁻¹ at the optimum, priors included, is the parameters' covariance.
 */
final class JointGeneral {

  /** Bounds of the shared exponents, through a logistic transform. */
  static final double S2_LOW = 0.02;

  static final double S2_HIGH = 1.5;
  static final double D_LOW = 0.05;
  static final double D_HIGH = 3.0;

  /** Scale of the random-walk prior on α and π across z = ln R (nats per unit z²). */
  static final double TAU = 0.5;

  /** Weak priors that keep unidentified parameters finite: N(centre, sd²). */
  private static final double ALPHA_CENTRE = Math.log(0.05);

  private static final double ALPHA_SD = 8;
  private static final double PI_SD = 4;
  private static final double RAW_SD = 3;

  /** Huber's constant on standardised residuals. */
  private static final double HUBER = 1.345;

  /** Prior weight, in points, of the pooled noise scale in each run's own. */
  private static final double NOISE_PRIOR_POINTS = 6;

  /** Distinct ratios (runs at the same ratio, e.g. seeds, share their α and π). */
  final int m;

  /** Runs. */
  final int runs;

  final double[] z;
  final int[] group;
  final double[][] x;
  final double[][] y;
  final double[][] w;
  private final int rows;

  /**
   * @param z centred log ratios of the distinct ratios, in increasing order
   * @param group per run, the index of its ratio in z
   * @param x per run, tokens as a share of the budget (increasing, &gt; 0)
   * @param y per run, dGen at those points
   * @param w per run, the points' weights (events per point)
   */
  JointGeneral(double[] z, int[] group, double[][] x, double[][] y, double[][] w) {
    this.m = z.length;
    this.runs = group.length;
    this.z = z;
    this.group = group;
    this.x = x;
    this.y = y;
    this.w = w;
    int n = 0;
    for (double[] xs : x) {
      n += xs.length;
    }
    this.rows = n;
  }

  int parameters() {
    return 2 + 2 * m;
  }

  static int alpha(int k) {
    return 2 + 2 * k;
  }

  static int pi(int k) {
    return 3 + 2 * k;
  }

  static double s2(double[] theta) {
    return S2_LOW + (S2_HIGH - S2_LOW) * logistic(theta[0]);
  }

  static double d(double[] theta) {
    return D_LOW + (D_HIGH - D_LOW) * logistic(theta[1]);
  }

  static double rawS2(double s2) {
    return logit((s2 - S2_LOW) / (S2_HIGH - S2_LOW));
  }

  static double rawD(double d) {
    return logit((d - D_LOW) / (D_HIGH - D_LOW));
  }

  /** dGen of ratio group k at x for parameters θ. */
  static double value(double[] theta, int k, double x) {
    double s2 = s2(theta);
    double d = d(theta);
    double s3 = s2 + d;
    double a = Math.exp(theta[alpha(k)]);
    double lx = Math.log(x);
    return a * Math.exp(s2 * lx) * (1 - s2 / s3 * Math.exp(d * (lx - theta[pi(k)])));
  }

  /**
   * The fitted model.
   *
   * @param theta parameters
   * @param covariance their Laplace covariance (JᵀJ)⁻¹, or null when singular
   * @param noise each run's noise scale
   * @param huber each run's points' final Huber weights
   * @param objective the penalised robust objective at θ
   * @param evaluations model evaluations spent
   * @param converged whether the optimiser converged and the covariance exists
   */
  record Fit(
      double[] theta,
      double[][] covariance,
      double[] noise,
      double[][] huber,
      double objective,
      int evaluations,
      boolean converged) {}

  /**
   * Fits the model from {@code start} (a full parameter vector), with {@code cycles} IRLS
   * reweightings; the runs' noise scales are estimated from the residuals after each cycle.
   */
  Fit fit(double[] start, int cycles) {
    double[] theta = start.clone();
    double[] noise = initialNoise();
    double[][] hw = unitWeights();
    int evaluations = 0;
    boolean converged = true;
    for (int c = 0; c < cycles; c++) {
      Optimum o = solve(theta, noise, hw);
      if (o == null) {
        converged = false;
        break;
      }
      theta = o.getPoint().toArray();
      evaluations += o.getEvaluations();
      noise = estimateNoise(theta);
      reweight(theta, noise, hw);
    }
    double[][] cov = covariance(theta, noise, hw);
    double obj = objective(theta, noise);
    return new Fit(theta, cov, noise, hw, obj, evaluations, converged && cov != null);
  }

  private Optimum solve(double[] start, double[] noise, double[][] hw) {
    int n = parameters();
    int priorRows = priorRowCount();
    double[] target = new double[rows + priorRows];
    LeastSquaresProblem p =
        new LeastSquaresBuilder()
            .start(start)
            .model(point -> evaluate(point, noise, hw))
            .target(target)
            .maxEvaluations(400)
            .maxIterations(200)
            .build();
    try {
      return new LevenbergMarquardtOptimizer()
          .withCostRelativeTolerance(1e-9)
          .withParameterRelativeTolerance(1e-9)
          .optimize(p);
    } catch (RuntimeException e) {
      // Too many evaluations or a singular step: the caller keeps its last parameters.
      return null;
    } finally {
      assert n > 0;
    }
  }

  int priorRowCount() {
    return 2 + 2 * m + (m >= 3 ? 2 * (m - 2) : 0);
  }

  /** Residual vector (data rows, then prior rows) and its Jacobian at θ. */
  Pair<RealVector, RealMatrix> evaluate(RealVector point, double[] noise, double[][] hw) {
    double[] theta = point.toArray();
    int n = parameters();
    double[] r = new double[rows + priorRowCount()];
    double[][] j = new double[r.length][n];
    double s2 = s2(theta);
    double d = d(theta);
    double s3 = s2 + d;
    double ls2 = logistic(theta[0]);
    double ld = logistic(theta[1]);
    double ds2du = (S2_HIGH - S2_LOW) * ls2 * (1 - ls2);
    double dddv = (D_HIGH - D_LOW) * ld * (1 - ld);
    int row = 0;
    for (int run = 0; run < runs; run++) {
      int k = group[run];
      double a = Math.exp(theta[alpha(k)]);
      double pk = theta[pi(k)];
      for (int i = 0; i < x[run].length; i++, row++) {
        double lx = Math.log(x[run][i]);
        double rise = Math.exp(s2 * lx);
        double q = Math.exp(d * (lx - pk)); // (x/p)^d
        double c = s2 / s3;
        double f = a * rise * (1 - c * q);
        double scale = Math.sqrt(w[run][i] * hw[run][i]) / noise[run];
        // value = scale·(f − y): the optimiser drives it to the zero target.
        r[row] = scale * (f - y[run][i]);
        double dfdAlpha = f;
        double dfdPi = a * rise * c * q * d;
        // ∂f/∂s2 (s3 = s2 + d moves with s2): A·x^s2·ln x·(1 − c·q) − A·x^s2·q·∂c/∂s2, ∂c/∂s2 =
        // d/s3².
        double dfds2 = f * lx - a * rise * q * (d / (s3 * s3));
        // ∂f/∂d: −A·x^s2·(∂c/∂d·q + c·q·(ln x − π)), ∂c/∂d = −s2/s3².
        double dfdd = -a * rise * (-s2 / (s3 * s3) * q + c * q * (lx - pk));
        j[row][0] = scale * dfds2 * ds2du;
        j[row][1] = scale * dfdd * dddv;
        j[row][alpha(k)] = scale * dfdAlpha;
        j[row][pi(k)] = scale * dfdPi;
      }
    }
    // Weak priors.
    r[row] = theta[0] / RAW_SD;
    j[row++][0] = 1 / RAW_SD;
    r[row] = theta[1] / RAW_SD;
    j[row++][1] = 1 / RAW_SD;
    for (int k = 0; k < m; k++) {
      r[row] = (theta[alpha(k)] - ALPHA_CENTRE) / ALPHA_SD;
      j[row++][alpha(k)] = 1 / ALPHA_SD;
      r[row] = theta[pi(k)] / PI_SD;
      j[row++][pi(k)] = 1 / PI_SD;
    }
    // Second-order random walk across z for α and π.
    for (int k = 1; k + 1 < m; k++) {
      double h0 = z[k] - z[k - 1];
      double h1 = z[k + 1] - z[k];
      double span = 0.5 * (h0 + h1);
      double c0 = 1 / (h0 * span * TAU);
      double c2 = 1 / (h1 * span * TAU);
      double c1 = -(c0 + c2);
      for (int which = 0; which < 2; which++) {
        int i0 = which == 0 ? alpha(k - 1) : pi(k - 1);
        int i1 = which == 0 ? alpha(k) : pi(k);
        int i2 = which == 0 ? alpha(k + 1) : pi(k + 1);
        r[row] = c0 * theta[i0] + c1 * theta[i1] + c2 * theta[i2];
        j[row][i0] = c0;
        j[row][i1] = c1;
        j[row][i2] = c2;
        row++;
      }
    }
    return new Pair<>(new ArrayRealVector(r, false), new Array2DRowRealMatrix(j, false));
  }

  // Per-run noise from a model-free estimate: deviations of interior points from the line through
  // their neighbours.
  private double[] initialNoise() {
    double[] s = new double[runs];
    for (int run = 0; run < runs; run++) {
      s[run] = io.cmrwatch.core.fit.Huber.robustScale(x[run], y[run]);
    }
    return pool(s, counts());
  }

  private int[] counts() {
    int[] n = new int[runs];
    for (int run = 0; run < runs; run++) {
      n[run] = x[run].length;
    }
    return n;
  }

  // Each run's robust residual scale (MAD of √w·r), shrunk towards the pooled scale.
  double[] estimateNoise(double[] theta) {
    double[] s = new double[runs];
    for (int run = 0; run < runs; run++) {
      int k = group[run];
      double[] a = new double[x[run].length];
      for (int i = 0; i < a.length; i++) {
        a[i] = Math.abs(Math.sqrt(w[run][i]) * (value(theta, k, x[run][i]) - y[run][i]));
      }
      Arrays.sort(a);
      int n = a.length;
      double med = n % 2 == 1 ? a[n / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
      s[run] = 1.482602218505602 * med;
    }
    return pool(s, counts());
  }

  private static double[] pool(double[] s, int[] n) {
    double num = 0;
    double den = 0;
    double max = 0;
    for (int k = 0; k < s.length; k++) {
      num += n[k] * s[k] * s[k];
      den += n[k];
      max = Math.max(max, s[k]);
    }
    double pooled = den > 0 ? Math.sqrt(num / den) : 1;
    double floor = Math.max(1e-9, 1e-6 * max);
    double[] out = new double[s.length];
    for (int k = 0; k < s.length; k++) {
      double v =
          (n[k] * s[k] * s[k] + NOISE_PRIOR_POINTS * pooled * pooled) / (n[k] + NOISE_PRIOR_POINTS);
      out[k] = Math.max(floor, Math.sqrt(v));
    }
    return out;
  }

  private void reweight(double[] theta, double[] noise, double[][] hw) {
    for (int run = 0; run < runs; run++) {
      int k = group[run];
      for (int i = 0; i < x[run].length; i++) {
        double r =
            Math.abs(Math.sqrt(w[run][i]) * (value(theta, k, x[run][i]) - y[run][i]) / noise[run]);
        hw[run][i] = r <= HUBER ? 1.0 : HUBER / r;
      }
    }
  }

  /** The penalised robust objective: Σ Huber(standardised residual) + ½Σ prior². */
  double objective(double[] theta, double[] noise) {
    Pair<RealVector, RealMatrix> e =
        evaluate(new ArrayRealVector(theta, false), noise, unitWeights());
    double[] r = e.getFirst().toArray();
    double s = 0;
    int row = 0;
    for (int run = 0; run < runs; run++) {
      int k = group[run];
      for (int i = 0; i < x[run].length; i++, row++) {
        double v = Math.sqrt(w[run][i]) * (value(theta, k, x[run][i]) - y[run][i]) / noise[run];
        s += io.cmrwatch.core.fit.Huber.loss(v, HUBER);
      }
    }
    for (; row < r.length; row++) {
      s += 0.5 * r[row] * r[row];
    }
    return s;
  }

  /** (JᵀJ)⁻¹ at θ (Huber weights included), or null when singular. */
  double[][] covariance(double[] theta, double[] noise, double[][] hw) {
    RealMatrix j = evaluate(new ArrayRealVector(theta, false), noise, hw).getSecond();
    return Linear.inverse(j.transposeMultiply(j).getData());
  }

  double[][] unitWeights() {
    double[][] hw = new double[runs][];
    for (int run = 0; run < runs; run++) {
      hw[run] = new double[x[run].length];
      Arrays.fill(hw[run], 1.0);
    }
    return hw;
  }

  /** The data rows' Jacobian at θ with unit Huber weights (for Fisher information). */
  double[][] dataJacobian(double[] theta, double[] noise) {
    double[][] hw = unitWeights();
    double[][] all = evaluate(new ArrayRealVector(theta, false), noise, hw).getSecond().getData();
    return Arrays.copyOf(all, rows);
  }

  /**
   * A cold start: the shared exponents from a grid, each run's amplitudes by linear least squares
   * given them (the law is linear in a2 and a3 once s2 and s3 are fixed), the best grid point by
   * weighted squared error.
   */
  double[] coldStart() {
    double best = Double.POSITIVE_INFINITY;
    double[] bestTheta = null;
    for (double s2 : new double[] {0.15, 0.3, 0.45, 0.6, 0.8}) {
      for (double d : new double[] {0.2, 0.45, 0.7, 1.0, 1.5}) {
        double[] theta = new double[parameters()];
        theta[0] = rawS2(s2);
        theta[1] = rawD(d);
        double sse = 0;
        for (int k = 0; k < m; k++) {
          sse += amplitudes(k, s2, d, theta);
        }
        if (sse < best) {
          best = sse;
          bestTheta = theta;
        }
      }
    }
    return bestTheta;
  }

  /**
   * Weighted least squares of y = b2·x^s2 − b3·x^s3 (b2, b3 ≥ 0) over the runs of ratio group k for
   * fixed exponents; writes α_k and π_k into θ and returns the weighted squared error.
   */
  double amplitudes(int k, double s2, double d, double[] theta) {
    double s3 = s2 + d;
    double spp = 0;
    double spq = 0;
    double sqq = 0;
    double spy = 0;
    double sqy = 0;
    double syy = 0;
    double xMax = 0;
    for (int run = 0; run < runs; run++) {
      if (group[run] != k) {
        continue;
      }
      double[] xs = x[run];
      xMax = Math.max(xMax, xs[xs.length - 1]);
      for (int i = 0; i < xs.length; i++) {
        double p = Math.pow(xs[i], s2);
        double q = -Math.pow(xs[i], s3);
        double wi = w[run][i];
        spp += wi * p * p;
        spq += wi * p * q;
        sqq += wi * q * q;
        spy += wi * p * y[run][i];
        sqy += wi * q * y[run][i];
        syy += wi * y[run][i] * y[run][i];
      }
    }
    double det = spp * sqq - spq * spq;
    double b2 = det > 0 ? (spy * sqq - sqy * spq) / det : 0;
    double b3 = det > 0 ? (sqy * spp - spy * spq) / det : 0;
    if (!(b2 > 0) || !(b3 > 0)) {
      // No bump in the data: a rise alone, its peak put beyond the observed tokens.
      b3 = 0;
      b2 = spp > 0 ? Math.max(spy / spp, 1e-6) : 1e-3;
    }
    double peak;
    if (b3 > 0) {
      // Peak of b2·x^s2 − b3·x^s3: x_p^d = b2·s2 / (b3·s3).
      peak = Math.pow(b2 * s2 / (b3 * s3), 1 / d);
    } else {
      peak = 4 * xMax;
    }
    peak = Math.min(Math.max(peak, 1e-4), 1e4);
    theta[alpha(k)] = Math.log(b2);
    theta[pi(k)] = Math.log(peak);
    double sse =
        syy - 2 * (b2 * spy + b3 * sqy) + b2 * b2 * spp + 2 * b2 * b3 * spq + b3 * b3 * sqq;
    return Math.max(sse, 0);
  }

  static double logistic(double u) {
    return 1 / (1 + Math.exp(-u));
  }

  static double logit(double p) {
    double q = Math.min(Math.max(p, 1e-9), 1 - 1e-9);
    return Math.log(q / (1 - q));
  }
}
