package io.cmrwatch.core.cmr;

import java.util.Arrays;

/**
 * What more data would do for the CMR's interval (docs/method.md, "Where to train next"): the
 * expected width of the 90 % interval if one more run were trained at a candidate ratio, or if an
 * existing run were evaluated twice as often, from the Fisher information the new data would add at
 * the fitted parameters (the data are taken to follow the fit, so the estimate stays and only its
 * uncertainty changes). Also the Cramér–Rao bound of the data at hand: the smallest standard
 * deviation of the CMR any unbiased estimator could reach if the strict joint model — α and π
 * exactly linear in ln R, no run-level deviations — were true and the runs' noise known.
 */
final class Planning {

  /** Candidate ratios tried for the next run. */
  static final int CANDIDATES = 12;

  private Planning() {}

  /** A candidate and the standard deviation of the CMR with it. */
  record Option(double ratio, int run, double sd) {}

  /**
   * The Cramér–Rao standard deviation of the CMR at the budget under the strict model: var =
   * ∇φᵀ·I(φ)⁻¹·∇φ, φ = (s2, d, α0, α1, π0, π1) with α_k = α0 + α1·z_k and π_k = π0 + π1·z_k, I the
   * Fisher information of the data rows (Gaussian noise of the fitted scales) and ∇φ the CMR's
   * gradient by central differences. NaN when the information is singular.
   */
  static double cramerRao(
      JointGeneral model, JointGeneral.Fit fit, AcrossRatios across, double[] dom) {
    int m = model.m;
    int n = model.parameters();
    double[][] jac = model.dataJacobian(fit.theta(), fit.noise());
    // P = ∂θ/∂φ.
    double[][] p = new double[n][6];
    p[0][0] = 1;
    p[1][1] = 1;
    for (int k = 0; k < m; k++) {
      p[JointGeneral.alpha(k)][2] = 1;
      p[JointGeneral.alpha(k)][3] = model.z[k];
      p[JointGeneral.pi(k)][4] = 1;
      p[JointGeneral.pi(k)][5] = model.z[k];
    }
    double[][] info = new double[6][6];
    double[] row = new double[6];
    for (double[] jr : jac) {
      Arrays.fill(row, 0);
      for (int i = 0; i < n; i++) {
        if (jr[i] == 0) {
          continue;
        }
        for (int a = 0; a < 6; a++) {
          row[a] += jr[i] * p[i][a];
        }
      }
      for (int a = 0; a < 6; a++) {
        for (int b = 0; b < 6; b++) {
          info[a][b] += row[a] * row[b];
        }
      }
    }
    double[][] inv = Linear.inverse(info);
    if (inv == null) {
      return Double.NaN;
    }
    // The strict model's parameters nearest the fit: α and π by least squares on z.
    double[] phi = new double[6];
    phi[0] = fit.theta()[0];
    phi[1] = fit.theta()[1];
    double[] la = line(model.z, fit.theta(), true);
    double[] lp = line(model.z, fit.theta(), false);
    phi[2] = la[0];
    phi[3] = la[1];
    phi[4] = lp[0];
    phi[5] = lp[1];
    double[] grad = new double[6];
    for (int a = 0; a < 6; a++) {
      double h = 1e-3 * Math.max(Math.sqrt(Math.max(inv[a][a], 0)), 1e-6);
      double[] up = phi.clone();
      double[] down = phi.clone();
      up[a] += h;
      down[a] -= h;
      grad[a] = (strictCmr(model, across, up, dom) - strictCmr(model, across, down, dom)) / (2 * h);
    }
    double var = 0;
    for (int a = 0; a < 6; a++) {
      for (int b = 0; b < 6; b++) {
        var += grad[a] * inv[a][b] * grad[b];
      }
    }
    return var >= 0 ? Math.sqrt(var) : Double.NaN;
  }

  private static double strictCmr(
      JointGeneral model, AcrossRatios across, double[] phi, double[] dom) {
    double[] th = new double[model.parameters()];
    th[0] = phi[0];
    th[1] = phi[1];
    for (int k = 0; k < model.m; k++) {
      th[JointGeneral.alpha(k)] = phi[2] + phi[3] * model.z[k];
      th[JointGeneral.pi(k)] = phi[4] + phi[5] * model.z[k];
    }
    return JointUncertainty.solveAt(across, 1.0, th, dom).cmr();
  }

  // Least-squares line (intercept, slope) of α_k (or π_k) on z_k.
  private static double[] line(double[] z, double[] theta, boolean alpha) {
    int m = z.length;
    double sz = 0;
    double sy = 0;
    double szz = 0;
    double szy = 0;
    for (int k = 0; k < m; k++) {
      double y = theta[alpha ? JointGeneral.alpha(k) : JointGeneral.pi(k)];
      sz += z[k];
      sy += y;
      szz += z[k] * z[k];
      szy += z[k] * y;
    }
    double det = m * szz - sz * sz;
    double b = det > 0 ? (m * szy - sz * sy) / det : 0;
    return new double[] {(sy - b * sz) / m, b};
  }

  /**
   * The candidate ratio whose run, evaluated at the points of the existing run with the median
   * number of points, would leave the smallest CMR standard deviation; candidates span the current
   * interval widened by 0.1 on each side, in (0, 1], existing ratios left out. Null when no
   * candidate can be assessed.
   */
  static Option nextRatio(
      JointGeneral model,
      JointGeneral.Fit fit,
      double zShift,
      double epsilon,
      double lambda,
      double[] dom,
      double[] domSd,
      double low,
      double high) {
    int template = medianRun(model);
    double from = Math.max(0.01, low - 0.1);
    double to = Math.min(1.0, high + 0.1);
    Option best = null;
    for (int c = 0; c < CANDIDATES; c++) {
      double r = from + (to - from) * (c + 0.5) / CANDIDATES;
      double z = Math.log(r) - zShift;
      if (Arrays.binarySearch(model.z, z) >= 0) {
        continue;
      }
      double sd = withRun(model, fit, zShift, epsilon, lambda, dom, domSd, z, -1, template);
      if (Double.isFinite(sd) && (best == null || sd < best.sd())) {
        best = new Option(r, -1, sd);
      }
    }
    return best;
  }

  /** The existing run whose evaluations, doubled, would leave the smallest CMR sd; or null. */
  static Option denserRun(
      JointGeneral model,
      JointGeneral.Fit fit,
      double zShift,
      double epsilon,
      double lambda,
      double[] dom,
      double[] domSd) {
    Option best = null;
    for (int run = 0; run < model.runs; run++) {
      double sd =
          withRun(model, fit, zShift, epsilon, lambda, dom, domSd, 0, model.group[run], run);
      if (Double.isFinite(sd) && (best == null || sd < best.sd())) {
        best = new Option(model.z[model.group[run]] + zShift, run, sd);
      }
    }
    return best;
  }

  private static int medianRun(JointGeneral model) {
    Integer[] order = new Integer[model.runs];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Integer.compare(model.x[a].length, model.x[b].length));
    return order[order.length / 2];
  }

  /**
   * The CMR sd with one more run: in group {@code existing} (≥ 0), or in a new group at z (its α
   * and π interpolated as the across-ratio step does), at the points of run {@code template}, with
   * that run's noise scale and its values on the fitted curve.
   */
  private static double withRun(
      JointGeneral model,
      JointGeneral.Fit fit,
      double zShift,
      double epsilon,
      double lambda,
      double[] dom,
      double[] domSd,
      double z,
      int existing,
      int template) {
    int m = model.m;
    double[] theta = fit.theta();
    int insert;
    double[] z2;
    double[] th2;
    double[] dom2;
    double[] domSd2;
    if (existing >= 0) {
      insert = existing;
      z2 = model.z;
      th2 = theta;
      dom2 = dom;
      domSd2 = domSd;
    } else {
      insert = 0;
      while (insert < m && model.z[insert] < z) {
        insert++;
      }
      z2 = new double[m + 1];
      th2 = new double[theta.length + 2];
      dom2 = new double[m + 1];
      domSd2 = new double[m + 1];
      th2[0] = theta[0];
      th2[1] = theta[1];
      int k0 = Math.max(0, Math.min(m - 2, insert - 1));
      double t = (z - model.z[k0]) / (model.z[k0 + 1] - model.z[k0]);
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
          j++;
        }
      }
    }
    int runs = model.runs + 1;
    int[] group = new int[runs];
    double[][] x = new double[runs][];
    double[][] y = new double[runs][];
    double[][] w = new double[runs][];
    double[] noise = new double[runs];
    double[][] hw = new double[runs][];
    for (int i = 0; i < model.runs; i++) {
      int g = model.group[i];
      group[i] = existing < 0 && g >= insert ? g + 1 : g;
      x[i] = model.x[i];
      y[i] = model.y[i];
      w[i] = model.w[i];
      noise[i] = fit.noise()[i];
      hw[i] = fit.huber()[i];
    }
    int last = runs - 1;
    group[last] = insert;
    x[last] = model.x[template];
    w[last] = model.w[template];
    noise[last] = fit.noise()[template];
    hw[last] = new double[x[last].length];
    Arrays.fill(hw[last], 1.0);
    y[last] = new double[x[last].length];
    for (int i = 0; i < x[last].length; i++) {
      y[last][i] = JointGeneral.value(th2, insert, x[last][i]);
    }
    JointGeneral aug = new JointGeneral(z2, group, x, y, w);
    double[][] cov = aug.covariance(th2, noise, hw);
    if (cov == null) {
      return Double.NaN;
    }
    JointGeneral.Fit f2 = new JointGeneral.Fit(th2, cov, noise, hw, 0, 0, true);
    JointUncertainty u = new JointUncertainty(aug, f2, lambda, epsilon);
    AcrossRatios across = new AcrossRatios(z2, zShift, epsilon, lambda);
    return u.cmrSd(across, 1.0, dom2, domSd2);
  }

  private static double lerp(double a, double b, double t) {
    return a + t * (b - a);
  }
}
