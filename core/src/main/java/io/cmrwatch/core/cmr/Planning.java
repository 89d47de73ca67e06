package io.cmrwatch.core.cmr;

import java.util.Arrays;

/**
 * What more data would do for the CMR's interval (docs/method.md, "Where to train next"): the
 * expected width of the 90 % interval if one more run were trained at a candidate ratio, or if an
 * existing run were evaluated twice as often, from the Fisher information the new data would add at
 * the fitted parameters (the new data are taken to follow the fit, so the estimate stays and only
 * its uncertainty changes). Also the Cramér–Rao bound of the data at hand: the smallest standard
 * deviation of the CMR any unbiased estimator could reach if the strict joint model — α and π
 * exactly linear in ln R, no run-level deviations — were true and the runs' noise known.
 *
 * <p>All of it is linear algebra on information matrices (the data's JᵀJ at θ̂, computed once, plus
 * the new rows and the priors for the new set of ratios) and the CMR's implicit-function gradient
 * ({@link AcrossRatios#gradient}); nothing is refitted.
 */
final class Planning {

  /** Candidate ratios tried for the next run. */
  static final int CANDIDATES = 12;

  private final JointGeneral model;
  private final JointGeneral.Fit fit;
  private final double zShift;
  private final double epsilon;
  private final double lambda;
  private final double[] dom;
  private final double[] domSd;
  private final double cmr;
  private final double[][] dataInfo;
  private final double[][][] runInfo;

  /** A candidate and the standard deviation of the CMR with it. */
  record Option(double ratio, int run, double sd) {}

  Planning(
      JointGeneral model,
      JointGeneral.Fit fit,
      double zShift,
      double epsilon,
      double lambda,
      double[] dom,
      double[] domSd,
      double cmr) {
    this.model = model;
    this.fit = fit;
    this.zShift = zShift;
    this.epsilon = epsilon;
    this.lambda = lambda;
    this.dom = dom;
    this.domSd = domSd;
    this.cmr = cmr;
    int n = model.parameters();
    this.runInfo = new double[model.runs][][];
    this.dataInfo = new double[n][n];
    for (int run = 0; run < model.runs; run++) {
      runInfo[run] = new double[n][n];
      model.addRunInformation(
          fit.theta(), run, fit.noise()[run], fit.huber()[run], model.group[run], runInfo[run]);
      add(dataInfo, runInfo[run]);
    }
  }

  /** The linearised CMR standard deviation with the data as they are. */
  double currentSd() {
    return sdWith(model.z, fit.theta(), dom, domSd, priorAdded(dataInfo, model.z));
  }

  /**
   * The Cramér–Rao standard deviation of the CMR at the budget under the strict model: var =
   * ∇φᵀ·I(φ)⁻¹·∇φ with φ = (s2, d, α0, α1, π0, π1), α_k = α0 + α1·z_k and π_k = π0 + π1·z_k, I the
   * Fisher information of the data (Gaussian noise of the fitted scales, no Huber down-weighting)
   * and ∇φ = Pᵀ∇θ the chain rule through P = ∂θ/∂φ. NaN when the information is singular.
   */
  double cramerRao() {
    int m = model.m;
    int n = model.parameters();
    double[][] info = model.dataInformation(fit.theta(), fit.noise(), model.unitWeights());
    double[][] p = new double[n][6];
    p[0][0] = 1;
    p[1][1] = 1;
    for (int k = 0; k < m; k++) {
      p[JointGeneral.alpha(k)][2] = 1;
      p[JointGeneral.alpha(k)][3] = model.z[k];
      p[JointGeneral.pi(k)][4] = 1;
      p[JointGeneral.pi(k)][5] = model.z[k];
    }
    double[][] strict = new double[6][6];
    for (int a = 0; a < 6; a++) {
      for (int b = 0; b < 6; b++) {
        double v = 0;
        for (int i = 0; i < n; i++) {
          if (p[i][a] == 0) {
            continue;
          }
          for (int j = 0; j < n; j++) {
            v += p[i][a] * info[i][j] * p[j][b];
          }
        }
        strict[a][b] = v;
      }
    }

    AcrossRatios across = new AcrossRatios(model.z, zShift, epsilon, lambda);
    double[] alpha = JointGeneral.alphas(fit.theta(), m);
    double[] pi = JointGeneral.pis(fit.theta(), m);
    double[] g = new double[n];
    double[] gd = new double[m];
    across.gradient(1.0, fit.theta(), alpha, pi, dom, cmr, g, gd);
    double[] gp = new double[6];
    for (int a = 0; a < 6; a++) {
      for (int i = 0; i < n; i++) {
        gp[a] += p[i][a] * g[i];
      }
    }
    double var = Linear.inverseQuadratic(strict, gp);
    return var >= 0 ? Math.sqrt(var) : Double.NaN;
  }

  /**
   * The candidate ratio whose run, evaluated at the points of the existing run with the median
   * number of points, would leave the smallest CMR standard deviation; candidates span [low − 0.1,
   * high + 0.1] ∩ (0, 1], existing ratios left out. Null when none can be assessed.
   */
  Option nextRatio(double low, double high) {
    int template = medianRun();
    double from = Math.max(0.01, low - 0.1);
    double to = Math.min(1.0, high + 0.1);
    Option best = null;
    for (int c = 0; c < CANDIDATES; c++) {
      double r = from + (to - from) * (c + 0.5) / CANDIDATES;
      double z = Math.log(r) - zShift;
      if (Arrays.binarySearch(model.z, z) >= 0) {
        continue;
      }
      double sd = withNewRatio(z, template);
      if (Double.isFinite(sd) && (best == null || sd < best.sd())) {
        best = new Option(r, -1, sd);
      }
    }
    return best;
  }

  /** The existing run whose evaluations, doubled, would leave the smallest CMR sd; or null. */
  Option denserRun() {
    Option best = null;
    double[][] prior = JointGeneral.priorInformation(model.z);
    for (int run = 0; run < model.runs; run++) {
      double[][] info = copy(dataInfo);
      add(info, runInfo[run]);
      add(info, prior);
      double sd = sdWith(model.z, fit.theta(), dom, domSd, info);
      if (Double.isFinite(sd) && (best == null || sd < best.sd())) {
        best = new Option(Math.exp(model.z[model.group[run]] + zShift), run, sd);
      }
    }
    return best;
  }

  // The CMR sd with a run at a new ratio z (its α and π interpolated as the across-ratio step
  // does), at the points of run `template` with its noise scale.
  private double withNewRatio(double z, int template) {
    int m = model.m;
    double[] theta = fit.theta();
    int insert = 0;
    while (insert < m && model.z[insert] < z) {
      insert++;
    }
    double[] z2 = new double[m + 1];
    double[] th2 = new double[theta.length + 2];
    double[] dom2 = new double[m + 1];
    double[] domSd2 = new double[m + 1];
    th2[0] = theta[0];
    th2[1] = theta[1];
    int k0 = Math.max(0, Math.min(m - 2, insert - 1));
    double t = (z - model.z[k0]) / (model.z[k0 + 1] - model.z[k0]);
    int[] map = new int[m];
    for (int k = 0, j = 0; k <= m; k++) {
      if (k == insert) {
        z2[k] = z;
        th2[JointGeneral.alpha(k)] =
            lerp(theta[JointGeneral.alpha(k0)], theta[JointGeneral.alpha(k0 + 1)], t);
        th2[JointGeneral.pi(k)] =
            lerp(theta[JointGeneral.pi(k0)], theta[JointGeneral.pi(k0 + 1)], t);
        dom2[k] = lerp(dom[k0], dom[k0 + 1], t);
        domSd2[k] = lerp(domSd[k0], domSd[k0 + 1], t);
      } else {
        z2[k] = model.z[j];
        th2[JointGeneral.alpha(k)] = theta[JointGeneral.alpha(j)];
        th2[JointGeneral.pi(k)] = theta[JointGeneral.pi(j)];
        dom2[k] = dom[j];
        domSd2[k] = domSd[j];
        map[j] = k;
        j++;
      }
    }
    // Embed the data information in the larger layout, add the new run's rows and the priors.
    int n2 = th2.length;
    int[] idx = new int[theta.length];
    idx[0] = 0;
    idx[1] = 1;
    for (int j = 0; j < m; j++) {
      idx[JointGeneral.alpha(j)] = JointGeneral.alpha(map[j]);
      idx[JointGeneral.pi(j)] = JointGeneral.pi(map[j]);
    }
    double[][] info = new double[n2][n2];
    for (int a = 0; a < theta.length; a++) {
      for (int b = 0; b < theta.length; b++) {
        info[idx[a]][idx[b]] = dataInfo[a][b];
      }
    }
    JointGeneral.addInformation(
        th2,
        insert,
        model.lnx[template],
        model.w[template],
        null,
        fit.noise()[template],
        insert,
        info);
    add(info, JointGeneral.priorInformation(z2));
    return sdWith(z2, th2, dom2, domSd2, info);
  }

  private double sdWith(double[] z, double[] th, double[] d, double[] dSd, double[][] info) {
    AcrossRatios across = new AcrossRatios(z, zShift, epsilon, lambda);
    double var = JointUncertainty.linearVariance(across, th, d, dSd, cmr, info);
    return var >= 0 ? Math.sqrt(var) : Double.NaN;
  }

  private double[][] priorAdded(double[][] info, double[] z) {
    double[][] c = copy(info);
    add(c, JointGeneral.priorInformation(z));
    return c;
  }

  private int medianRun() {
    Integer[] order = new Integer[model.runs];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(model.x[a].length, model.x[b].length));
    return order[order.length / 2];
  }

  private static double[][] copy(double[][] a) {
    double[][] c = new double[a.length][];
    for (int i = 0; i < a.length; i++) {
      c[i] = a[i].clone();
    }
    return c;
  }

  private static void add(double[][] a, double[][] b) {
    for (int i = 0; i < a.length; i++) {
      for (int j = 0; j < a.length; j++) {
        a[i][j] += b[i][j];
      }
    }
  }

  private static double lerp(double a, double b, double t) {
    return a + t * (b - a);
  }
}
