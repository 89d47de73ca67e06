package io.cmrwatch.core.cmr;

import java.util.Arrays;

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
  static final double TAU = 1.0;

  /** Weak priors that keep unidentified parameters finite: N(centre, sd²). */
  private static final double ALPHA_CENTRE = Math.log(0.05);

  private static final double ALPHA_SD = 8;
  private static final double PI_SD = 6;
  private static final double RAW_SD = 20;

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
  final double[][] lnx;
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
    this.lnx = new double[x.length][];
    int n = 0;
    for (int r = 0; r < x.length; r++) {
      lnx[r] = new double[x[r].length];
      for (int i = 0; i < x[r].length; i++) {
        lnx[r][i] = Math.log(x[r][i]);
      }
      n += x[r].length;
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

  /** The α of each of the m ratio groups in θ. */
  static double[] alphas(double[] theta, int m) {
    double[] a = new double[m];
    for (int k = 0; k < m; k++) {
      a[k] = theta[alpha(k)];
    }
    return a;
  }

  /** The π of each of the m ratio groups in θ. */
  static double[] pis(double[] theta, int m) {
    double[] p = new double[m];
    for (int k = 0; k < m; k++) {
      p[k] = theta[pi(k)];
    }
    return p;
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
   * Fits the model from {@code start} (a full parameter vector): {@code cycles} rounds of
   * Levenberg–Marquardt on the robust objective, the runs' noise scales re-estimated from the
   * residuals after each round.
   */
  Fit fit(double[] start, int cycles) {
    return fit(start, cycles, null);
  }

  /**
   * As {@link #fit(double[], int)}, from the given noise scales (null: estimated from the data).
   */
  Fit fit(double[] start, int cycles, double[] noise0) {
    double[] theta = start.clone();
    double[] noise = noise0 == null ? initialNoise() : noise0.clone();
    int evaluations = 0;
    boolean converged = true;
    for (int c = 0; c < cycles; c++) {
      Solve o = minimise(theta, noise);
      theta = o.theta;
      evaluations += o.evaluations;
      converged = o.converged;
      noise = estimateNoise(theta);
    }
    double[][] hw = huberWeights(theta, noise);
    double[][] cov = covariance(theta, noise, hw);
    double obj = objective(theta, noise);
    return new Fit(theta, cov, noise, hw, obj, evaluations, converged && cov != null);
  }

  private record Solve(double[] theta, int evaluations, boolean converged) {}

  /** Iteration cap of one minimisation. */
  private static final int MAX_ITERATIONS = 300;

  /**
   * Levenberg–Marquardt (Nielsen's damping update, Marquardt's diagonal scaling) on Σ Huber(r_i) +
   * ½·(θ − b)ᵀP(θ − b), each step a Gauss–Newton step of the Huber-reweighted least squares at the
   * current point (IRLS inside LM), accepted only when the robust objective falls. The normal
   * equations are accumulated row by row: a data row touches four parameters (s2, d and its ratio's
   * α, π), so an iteration costs a few exponentials per point and one small Cholesky solve.
   */
  private Solve minimise(double[] start, double[] noise) {
    int n = parameters();
    double[] theta = start.clone();
    double cost = objective(theta, noise);
    double[][] h = new double[n][n];
    double[] g = new double[n];
    double[][] a = new double[n][n];
    double mu = -1;
    double nu = 2;
    int evaluations = 1;
    for (int it = 0; it < MAX_ITERATIONS; it++) {
      normalEquations(theta, noise, h, g);
      double gmax = 0;
      for (double v : g) {
        gmax = Math.max(gmax, Math.abs(v));
      }
      if (gmax <= 1e-9 * (1 + cost)) {
        return new Solve(theta, evaluations, true);
      }
      if (mu < 0) {
        // Marquardt's scaling damps each parameter relative to its own curvature.
        mu = 1e-3;
      }
      while (true) {
        for (int i = 0; i < n; i++) {
          System.arraycopy(h[i], 0, a[i], 0, n);
          a[i][i] += mu * Math.max(h[i][i], 1e-12);
        }
        double[] step = Linear.solve(a, g);
        if (step == null) {
          mu *= nu;
          nu *= 2;
          if (mu > 1e30) {
            return new Solve(theta, evaluations, false);
          }
          continue;
        }
        double[] trial = new double[n];
        double stepNorm = 0;
        double thetaNorm = 0;
        double predicted = 0;
        for (int i = 0; i < n; i++) {
          trial[i] = theta[i] - step[i];
          stepNorm += step[i] * step[i];
          thetaNorm += theta[i] * theta[i];
          // Predicted decrease of the damped quadratic model: ½·δᵀ(μ·D·δ + g).
          predicted += 0.5 * step[i] * (mu * Math.max(h[i][i], 1e-12) * step[i] + g[i]);
        }
        double trialCost = objective(trial, noise);
        evaluations++;
        double rho = predicted > 0 ? (cost - trialCost) / predicted : -1;
        if (trialCost < cost && rho > 0) {
          double decrease = cost - trialCost;
          theta = trial;
          cost = trialCost;
          double t = 2 * rho - 1;
          mu *= Math.max(1.0 / 3, 1 - t * t * t);
          nu = 2;
          if (decrease <= 1e-12 * (1 + cost) || stepNorm <= 1e-20 * (thetaNorm + 1e-20)) {
            return new Solve(theta, evaluations, true);
          }
          break;
        }
        mu *= nu;
        nu *= 2;
        if (mu > 1e30 || stepNorm <= 1e-24 * (thetaNorm + 1e-20)) {
          // No step decreases the objective: a (numerically) stationary point.
          return new Solve(theta, evaluations, true);
        }
      }
    }
    return new Solve(theta, evaluations, false);
  }

  // H = Σ h_i·J_iᵀJ_i + P and g = Σ ψ(r_i)·J_i + P·(θ − b), Huber weights h_i = ψ(r_i)/r_i at θ.
  private void normalEquations(double[] theta, double[] noise, double[][] h, double[] g) {
    int n = parameters();
    for (double[] row : h) {
      Arrays.fill(row, 0);
    }
    Arrays.fill(g, 0);
    double[] pg = new double[4];
    int[] idx = new int[4];
    idx[0] = 0;
    idx[1] = 1;
    for (int run = 0; run < runs; run++) {
      int k = group[run];
      idx[2] = alpha(k);
      idx[3] = pi(k);
      for (int i = 0; i < x[run].length; i++) {
        double f = pointGradient(theta, k, lnx[run][i], pg);
        double scale = Math.sqrt(w[run][i]) / noise[run];
        double r = scale * (f - y[run][i]);
        double abs = Math.abs(r);
        double hw = abs <= HUBER ? 1.0 : HUBER / abs;
        double s = hw * scale * scale;
        for (int p = 0; p < 4; p++) {
          g[idx[p]] += hw * r * scale * pg[p];
          for (int q = 0; q < 4; q++) {
            h[idx[p]][idx[q]] += s * pg[p] * pg[q];
          }
        }
      }
    }
    double[][] prior = priorInformation(z);
    double[] b = priorCentre();
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        h[i][j] += prior[i][j];
        g[i] += prior[i][j] * (theta[j] - b[j]);
      }
    }
  }

  // The point the linear priors pull towards (their residuals are P^½·(θ − b)): the weak priors'
  // centres; the random walk is centred on straight lines, which b does not move.
  private double[] priorCentre() {
    double[] b = new double[parameters()];
    for (int k = 0; k < m; k++) {
      b[alpha(k)] = ALPHA_CENTRE;
    }
    return b;
  }

  private double[][] huberWeights(double[] theta, double[] noise) {
    double[][] hw = unitWeights();
    reweight(theta, noise, hw);
    return hw;
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

  /** The penalised robust objective: Σ Huber(standardised residual) + ½·(θ − b)ᵀP(θ − b). */
  double objective(double[] theta, double[] noise) {
    double s2 = s2(theta);
    double d = d(theta);
    double c = s2 / (s2 + d);
    double s = 0;
    for (int run = 0; run < runs; run++) {
      int k = group[run];
      double alpha = theta[alpha(k)];
      double pk = theta[pi(k)];
      for (int i = 0; i < x[run].length; i++) {
        double lx = lnx[run][i];
        double f = Math.exp(alpha + s2 * lx) * (1 - c * Math.exp(d * (lx - pk)));
        double v = Math.sqrt(w[run][i]) * (f - y[run][i]) / noise[run];
        double a = Math.abs(v);
        s += a <= HUBER ? 0.5 * v * v : HUBER * (a - 0.5 * HUBER);
      }
    }
    double[][] prior = priorInformation(z);
    double[] b = priorCentre();
    double q = 0;
    for (int i = 0; i < theta.length; i++) {
      for (int j = 0; j < theta.length; j++) {
        q += (theta[i] - b[i]) * prior[i][j] * (theta[j] - b[j]);
      }
    }
    return s + 0.5 * q;
  }

  /**
   * dGen of ratio group k at ln x, and its gradient with respect to (u, v, α_k, π_k) written into
   * {@code g} (u and v are the raw parameters of s2 and d).
   */
  static double pointGradient(double[] theta, int k, double lx, double[] g) {
    double ls2 = logistic(theta[0]);
    double ld = logistic(theta[1]);
    double s2 = S2_LOW + (S2_HIGH - S2_LOW) * ls2;
    double d = D_LOW + (D_HIGH - D_LOW) * ld;
    double s3 = s2 + d;
    double a = Math.exp(theta[alpha(k)]);
    double pk = theta[pi(k)];
    double rise = Math.exp(s2 * lx);
    double q = Math.exp(d * (lx - pk)); // (x/p)^d
    double c = s2 / s3;
    double f = a * rise * (1 - c * q);
    // ∂f/∂s2 (s3 = s2 + d moves with s2): f·ln x − A·x^s2·q·∂c/∂s2, ∂c/∂s2 = d/s3².
    double dfds2 = f * lx - a * rise * q * (d / (s3 * s3));
    // ∂f/∂d: −A·x^s2·(∂c/∂d·q + c·q·(ln x − π)), ∂c/∂d = −s2/s3².
    double dfdd = -a * rise * (-s2 / (s3 * s3) * q + c * q * (lx - pk));
    g[0] = dfds2 * (S2_HIGH - S2_LOW) * ls2 * (1 - ls2);
    g[1] = dfdd * (D_HIGH - D_LOW) * ld * (1 - ld);
    g[2] = f;
    g[3] = a * rise * c * q * d;
    return f;
  }

  /** The data rows' information JᵀJ at θ (n × n), for the given noise scales and Huber weights. */
  double[][] dataInformation(double[] theta, double[] noise, double[][] hw) {
    double[][] info = new double[parameters()][parameters()];
    for (int run = 0; run < runs; run++) {
      addRunInformation(theta, run, noise[run], hw[run], group[run], info);
    }
    return info;
  }

  /**
   * Adds the information of run {@code run}'s points, were they in ratio group {@code k}, to {@code
   * info} (indices of the parameter layout of {@code info}'s model).
   */
  void addRunInformation(
      double[] theta, int run, double noise, double[] hw, int k, double[][] info) {
    addInformation(theta, k, lnx[run], w[run], hw, noise, k, info);
  }

  /**
   * Adds the information of points at ln x (weights w, Huber weights hw, noise scale) of group k
   * evaluated at θ, into {@code info} with the group's parameters at index group {@code into}.
   */
  static void addInformation(
      double[] theta,
      int k,
      double[] lnx,
      double[] w,
      double[] hw,
      double noise,
      int into,
      double[][] info) {
    double[] g = new double[4];
    int[] idx = {0, 1, alpha(into), pi(into)};
    for (int i = 0; i < lnx.length; i++) {
      pointGradient(theta, k, lnx[i], g);
      double s = w[i] * (hw == null ? 1 : hw[i]) / (noise * noise);
      for (int a = 0; a < 4; a++) {
        for (int b = 0; b < 4; b++) {
          info[idx[a]][idx[b]] += s * g[a] * g[b];
        }
      }
    }
  }

  /**
   * The priors' information (they are linear in θ, so it is constant): the weak priors on the
   * diagonal and the second-order random walk across {@code z}, for {@code z.length} ratio groups.
   */
  static double[][] priorInformation(double[] z) {
    int m = z.length;
    int n = 2 + 2 * m;
    double[][] info = new double[n][n];
    info[0][0] += 1 / (RAW_SD * RAW_SD);
    info[1][1] += 1 / (RAW_SD * RAW_SD);
    for (int k = 0; k < m; k++) {
      info[alpha(k)][alpha(k)] += 1 / (ALPHA_SD * ALPHA_SD);
      info[pi(k)][pi(k)] += 1 / (PI_SD * PI_SD);
    }
    for (int k = 1; k + 1 < m; k++) {
      double[] c = walkCoefficients(z, k);
      for (int which = 0; which < 2; which++) {
        int[] idx =
            which == 0
                ? new int[] {alpha(k - 1), alpha(k), alpha(k + 1)}
                : new int[] {pi(k - 1), pi(k), pi(k + 1)};
        for (int a = 0; a < 3; a++) {
          for (int b = 0; b < 3; b++) {
            info[idx[a]][idx[b]] += c[a] * c[b];
          }
        }
      }
    }
    return info;
  }

  /** Coefficients of the second divided difference at interior group k, divided by τ. */
  static double[] walkCoefficients(double[] z, int k) {
    double h0 = z[k] - z[k - 1];
    double h1 = z[k + 1] - z[k];
    double span = 0.5 * (h0 + h1);
    double c0 = 1 / (h0 * span * TAU);
    double c2 = 1 / (h1 * span * TAU);
    return new double[] {c0, -(c0 + c2), c2};
  }

  /** (JᵀJ)⁻¹ at θ (Huber weights and priors included), or null when singular. */
  double[][] covariance(double[] theta, double[] noise, double[][] hw) {
    double[][] info = dataInformation(theta, noise, hw);
    double[][] prior = priorInformation(z);
    for (int i = 0; i < info.length; i++) {
      for (int j = 0; j < info.length; j++) {
        info[i][j] += prior[i][j];
      }
    }
    return Linear.inverse(info);
  }

  double[][] unitWeights() {
    double[][] hw = new double[runs][];
    for (int run = 0; run < runs; run++) {
      hw[run] = new double[x[run].length];
      Arrays.fill(hw[run], 1.0);
    }
    return hw;
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
