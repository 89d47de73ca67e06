package io.cmrwatch.core.fit;

/**
 * A small, allocation-light Levenberg–Marquardt for the power-law sums of this package (k ≤ 5 parameters), minimising
 * the summed Huber loss Σ w_i·ρ_δ(f(x_i) − y_i) directly (robust Gauss–Newton: the curvature of the quadratic part
 * only, as scipy's least_squares does for its robust losses).
 *
 * <p>Each iteration accumulates the Gauss–Newton curvature A and the gradient g of the Huber loss in one pass over
 * the points (one exponential per point and term, no matrices of size m), solves (A + μ·diag A)·h = −g by Cholesky
 * over the directions not held at a bound (a bound is active when the gradient pushes the parameter out of its box;
 * the exponent order s2 + gap ≤ s3 of a bump is handled the same way), projects the trial point onto the box
 * and accepts it when the loss falls. μ follows Nielsen's rule. It stops when the relative loss reduction (actual and
 * predicted) is below the cost tolerance, the scaled step below the parameter tolerance, or every free gradient
 * component is orthogonal to the residuals within the ortho tolerance — the three tests of MINPACK's lmder, which
 * Hipparchus' optimiser also uses.
 */
final class LevenbergMarquardt {

  private final RobustFitter.Data d;
  private final Box box;
  private final int k;
  private final double[][] a;
  private final double[] g;
  private final double[][] trialA;
  private final double[] trialG;
  private final double[] row;
  private final double[][] cols;
  private final double[] colsFor;
  private final boolean[] colsValid;
  private final boolean[] inlier;
  private int evaluations;

  private LevenbergMarquardt(RobustFitter.Data d, Box box) {
    this.d = d;
    this.box = box;
    this.k = box.parameterCount();
    this.a = new double[k][k];
    this.g = new double[k];
    this.trialA = new double[k][k];
    this.trialG = new double[k];
    this.row = new double[k];
    this.cols = new double[k / 2][d.m];
    this.colsFor = new double[k / 2];
    this.colsValid = new boolean[k / 2];
    this.inlier = new boolean[d.m];
  }

  /** The outcome: best point, its loss, whether a stopping test was met, evaluations used, a note. */
  record Outcome(double[] p, double loss, boolean converged, int evaluations, String note) {}

  /**
   * Minimises from {@code start}. {@code initialMu} is the first damping (relative to diag A): small for a warm start
   * that is already near the minimum (Gauss–Newton steps at once), larger for a grid start.
   */
  static Outcome minimize(RobustFitter.Data d, Box box, double[] start, FitOptions o, double initialMu) {
    return new LevenbergMarquardt(d, box).run(start, o, initialMu);
  }

  private Outcome run(double[] start, FitOptions o, double initialMu) {
    double[] p = box.project(start.clone());
    relinearize(p);
    double cost = evaluate(p, a, g);
    double[] trial = new double[k];
    double[] h = new double[k];
    double[][] basis = new double[k][k];
    double mu = initialMu;
    double nu = 2;
    int max = o.maxEvaluations();
    while (true) {
      if (cost == 0) {
        return new Outcome(p, cost, true, evaluations, "converged (exact fit)");
      }
      int n = freeBasis(p, basis);
      double[][] reduced = new double[n][n];
      double[] gnDiag = new double[n];
      double[] rg = new double[n];
      project(basis, n, reduced, gnDiag, rg);
      // Orthogonality test: cos(residuals, J·z_c) = |z_cᵀg| / (sqrt(z_cᵀAz_c)·sqrt(2·loss)) for every free direction.
      double norm = Math.sqrt(2 * cost);
      double worst = 0;
      double maxDiag = 0;
      for (int c = 0; c < n; c++) {
        maxDiag = Math.max(maxDiag, gnDiag[c]);
        if (gnDiag[c] > 0) {
          worst = Math.max(worst, Math.abs(rg[c]) / (Math.sqrt(gnDiag[c]) * norm));
        }
      }
      if (worst <= o.orthoTolerance() || n == 0) {
        return new Outcome(p, cost, true, evaluations, "converged (gradient)");
      }
      boolean accepted = false;
      while (!accepted) {
        if (evaluations >= max) {
          return new Outcome(p, cost, false, evaluations, "did not converge within " + max + " evaluations");
        }
        if (!solveDamped(reduced, gnDiag, rg, n, mu, maxDiag, basis, h)) {
          mu *= nu;
          nu *= 2;
          if (mu > 1e30) {
            return new Outcome(p, cost, true, evaluations, "converged (machine precision)");
          }
          continue;
        }
        for (int j = 0; j < k; j++) {
          trial[j] = p[j] + h[j];
        }
        box.project(trial);
        // The projected step, its scaled length, and the loss reduction the quadratic model predicts for it.
        double stepNorm = 0;
        double pNorm = 0;
        double predicted = 0;
        for (int j = 0; j < k; j++) {
          h[j] = trial[j] - p[j];
          double dj2 = Math.max(a[j][j], 1e-300);
          stepNorm += dj2 * h[j] * h[j];
          pNorm += dj2 * p[j] * p[j];
          predicted -= g[j] * h[j];
        }
        double quad = 0;
        for (int u = 0; u < k; u++) {
          double sum = 0;
          for (int v = 0; v < k; v++) {
            sum += a[u][v] * h[v];
          }
          quad += h[u] * sum;
        }
        predicted -= 0.5 * quad;
        stepNorm = Math.sqrt(stepNorm);
        pNorm = Math.sqrt(pNorm);
        if (stepNorm <= o.parameterRelativeTolerance() * (pNorm + o.parameterRelativeTolerance())) {
          return new Outcome(p, cost, true, evaluations, "converged (step)");
        }
        relinearize(trial);
        double trialCost = evaluate(trial, trialA, trialG);
        double actual = cost - trialCost;
        if (actual > 0 && Double.isFinite(trialCost)) {
          double rho = predicted > 0 ? actual / predicted : 1;
          System.arraycopy(trial, 0, p, 0, k);
          for (int u = 0; u < k; u++) {
            System.arraycopy(trialA[u], 0, a[u], 0, k);
          }
          System.arraycopy(trialG, 0, g, 0, k);
          double previous = cost;
          cost = trialCost;
          // Nielsen: shrink μ after a good step, more the better the quadratic model predicted it.
          double t = 2 * rho - 1;
          mu *= Math.max(1.0 / 3, 1 - t * t * t);
          nu = 2;
          accepted = true;
          if (actual <= o.costRelativeTolerance() * previous
              && Math.abs(predicted) <= o.costRelativeTolerance() * previous) {
            return new Outcome(p, cost, true, evaluations, "converged (loss)");
          }
        } else {
          mu *= nu;
          nu *= 2;
          if (mu > 1e30) {
            return new Outcome(p, cost, true, evaluations, "converged (machine precision)");
          }
        }
      }
    }
  }

  /**
   * The directions the next step may take, as columns of {@code basis}; returns how many. A parameter held at a
   * bound (descent, −g_j, would push it out) gets no direction. In an ordered box whose exponents sit at the minimum
   * gap with the gradient closing it, s2 and s3 move together (one direction e_s2 + e_s3).
   */
  private int freeBasis(double[] p, double[][] basis) {
    double[] lo = box.lower();
    double[] hi = box.upper();
    boolean[] free = new boolean[k];
    for (int j = 0; j < k; j++) {
      free[j] = !((p[j] <= lo[j] && g[j] > 0) || (p[j] >= hi[j] && g[j] < 0) || lo[j] == hi[j]);
    }
    boolean tied = box.ordered() && p[3] - p[1] <= Box.GAP * (1 + 1e-9) && g[3] - g[1] > 0;
    if (tied && !(free[1] && free[3])) {
      free[1] = false;
      free[3] = false;
      tied = false;
    }
    int n = 0;
    for (int j = 0; j < k; j++) {
      if (!free[j] || (tied && j == 3)) {
        continue;
      }
      java.util.Arrays.fill(basis[n], 0.0);
      basis[n][j] = 1;
      if (tied && j == 1) {
        basis[n][3] = 1;
      }
      n++;
    }
    return n;
  }

  /** reduced = Zᵀ·A·Z, gnDiag = its diagonal and rg = Zᵀ·g for the first n columns z_c of the basis. */
  private void project(double[][] basis, int n, double[][] reduced, double[] gnDiag, double[] rg) {
    for (int c = 0; c < n; c++) {
      double[] zc = basis[c];
      double sg = 0;
      for (int j = 0; j < k; j++) {
        sg += zc[j] * g[j];
      }
      rg[c] = sg;
      for (int e = 0; e <= c; e++) {
        double[] ze = basis[e];
        double sum = 0;
        double gn = 0;
        for (int u = 0; u < k; u++) {
          if (zc[u] == 0) {
            continue;
          }
          for (int v = 0; v < k; v++) {
            sum += zc[u] * a[u][v] * ze[v];
            gn += zc[u] * a[u][v] * ze[v];
          }
        }
        reduced[c][e] = sum;
        reduced[e][c] = sum;
        if (c == e) {
          gnDiag[c] = gn;
        }
      }
    }
  }

  /**
   * Solves (M + μ·D)·z = −rg for the reduced system M, D = diag(M) floored so a direction without influence (a3 = 0
   * makes ∂f/∂s3 vanish) still gets damping; h = Σ z_c·basis_c. Jacobi-scaled Cholesky; false if not positive
   * definite.
   */
  private boolean solveDamped(double[][] mm, double[] gnDiag, double[] rg, int n, double mu, double maxDiag,
      double[][] basis, double[] h) {
    java.util.Arrays.fill(h, 0.0);
    double floor = 1e-12 * maxDiag + 1e-300;
    double[] scale = new double[n];
    double[][] l = new double[n][n];
    for (int u = 0; u < n; u++) {
      scale[u] = 1 / Math.sqrt(Math.max(gnDiag[u], floor) * (1 + mu));
    }
    for (int u = 0; u < n; u++) {
      for (int v = 0; v <= u; v++) {
        double m = u == v ? mm[u][u] + mu * Math.max(gnDiag[u], floor) : mm[u][v];
        double sum = m * scale[u] * scale[v];
        for (int t = 0; t < v; t++) {
          sum -= l[u][t] * l[v][t];
        }
        if (u == v) {
          if (!(sum > 1e-14)) {
            return false;
          }
          l[u][u] = Math.sqrt(sum);
        } else {
          l[u][v] = sum / l[v][v];
        }
      }
    }
    double[] z = new double[n];
    for (int u = 0; u < n; u++) {
      double sum = -rg[u] * scale[u];
      for (int t = 0; t < u; t++) {
        sum -= l[u][t] * z[t];
      }
      z[u] = sum / l[u][u];
    }
    for (int u = n - 1; u >= 0; u--) {
      double sum = z[u];
      for (int t = u + 1; t < n; t++) {
        sum -= l[t][u] * z[t];
      }
      z[u] = sum / l[u][u];
    }
    for (int c = 0; c < n; c++) {
      double step = z[c] * scale[c];
      for (int j = 0; j < k; j++) {
        h[j] += step * basis[c][j];
      }
    }
    return true;
  }

  /**
   * Variable projection, done as a correction: at p's exponents, replaces the linear coefficients (a_t and b) by
   * the ones minimising the Huber loss (a convex problem: a few Newton steps on k − terms unknowns, one pass over the
   * cached columns x^s each, within the box). A power-law fit's valley runs along "change an exponent, compensate
   * with the coefficients"; landing every trial on the valley floor is what lets a warm refit converge in a handful
   * of iterations (Golub–Pereyra; Kaufman).
   */
  private void relinearize(double[] p) {
    columns(p);
    int terms = k / 2;
    int nl = terms + 1;
    int[] idx = new int[nl];
    for (int t = 0; t < terms; t++) {
      idx[t] = 2 * t;
    }
    idx[terms] = k - 1;
    double[] lo = box.lower();
    double[] hi = box.upper();
    double delta = d.delta;
    double[] grad = new double[nl];
    double[][] mm = new double[nl][nl];
    double[] phi = new double[nl];
    double[] c = new double[nl];
    double[] trialC = new double[nl];
    for (int u = 0; u < nl; u++) {
      c[u] = p[idx[u]];
    }
    double cost = linearCost(c, terms);
    boolean lastFull = false;
    for (int iter = 0; iter < 10; iter++) {
      java.util.Arrays.fill(grad, 0.0);
      for (double[] rowM : mm) {
        java.util.Arrays.fill(rowM, 0.0);
      }
      boolean changed = false;
      for (int i = 0; i < d.m; i++) {
        double f = c[terms];
        for (int t = 0; t < terms; t++) {
          phi[t] = cols[t][i];
          f += c[t] * phi[t];
        }
        phi[terms] = 1.0;
        double r = f - d.y[i];
        double ar = Math.abs(r);
        double w = d.w[i];
        boolean inside = ar <= delta;
        if (inside != inlier[i]) {
          inlier[i] = inside;
          changed = true;
        }
        double psi = inside ? w * r : w * Math.copySign(delta, r);
        // Exact Newton on the piecewise-quadratic loss (ρ'' = 0 beyond δ), with a trace of curvature for definiteness.
        double om = inside ? w : w * 1e-6 * delta / ar;
        for (int u = 0; u < nl; u++) {
          grad[u] += psi * phi[u];
          for (int v = 0; v <= u; v++) {
            mm[u][v] += om * phi[u] * phi[v];
          }
        }
      }
      // A full Newton step that kept every point on its side of δ landed on the exact minimum.
      if (iter > 0 && lastFull && !changed) {
        break;
      }
      // Coefficients held at a bound by the gradient stay there; Newton step for the rest.
      boolean[] free = new boolean[nl];
      int nf = 0;
      for (int u = 0; u < nl; u++) {
        int j = idx[u];
        free[u] = !((c[u] <= lo[j] && grad[u] > 0) || (c[u] >= hi[j] && grad[u] < 0) || lo[j] == hi[j]);
        if (free[u]) {
          nf++;
        }
      }
      if (nf == 0) {
        break;
      }
      double[][] sub = new double[nf][nf];
      double[] rhs = new double[nf];
      int[] map = new int[nf];
      int q = 0;
      for (int u = 0; u < nl; u++) {
        if (free[u]) {
          map[q++] = u;
        }
      }
      for (int u = 0; u < nf; u++) {
        rhs[u] = -grad[map[u]];
        for (int v = 0; v <= u; v++) {
          sub[u][v] = mm[Math.max(map[u], map[v])][Math.min(map[u], map[v])];
        }
      }
      double[][] inv = SmallMatrix.inverseSpd(sub);
      if (inv == null) {
        break;
      }
      double step = 1;
      boolean improved = false;
      lastFull = false;
      for (int halving = 0; halving < 6 && !improved; halving++, step *= 0.5) {
        System.arraycopy(c, 0, trialC, 0, nl);
        for (int u = 0; u < nf; u++) {
          double dlt = 0;
          for (int v = 0; v < nf; v++) {
            dlt += inv[u][v] * rhs[v];
          }
          int j = idx[map[u]];
          trialC[map[u]] = Math.max(lo[j], Math.min(hi[j], c[map[u]] + step * dlt));
        }
        double trialCost = linearCost(trialC, terms);
        if (trialCost <= cost) {
          improved = true;
          lastFull = step == 1;
          double gain = cost - trialCost;
          System.arraycopy(trialC, 0, c, 0, nl);
          cost = trialCost;
          if (gain <= 1e-15 * cost) {
            iter = 10;
          }
        }
      }
      if (!improved) {
        break;
      }
    }
    for (int u = 0; u < nl; u++) {
      p[idx[u]] = c[u];
    }
  }

  /** Huber loss of the linear coefficients c = [a_1, (a_2,) b] over the cached columns. */
  private double linearCost(double[] c, int terms) {
    double s = 0;
    double delta = d.delta;
    for (int i = 0; i < d.m; i++) {
      double f = c[terms];
      for (int t = 0; t < terms; t++) {
        f += c[t] * cols[t][i];
      }
      double ar = Math.abs(f - d.y[i]);
      s += d.w[i] * (ar <= delta ? 0.5 * ar * ar : delta * (ar - 0.5 * delta));
    }
    return s;
  }

  /** Fills the column cache x_i^{s_t} for p's exponents (recomputed only when an exponent changed). */
  private void columns(double[] p) {
    for (int t = 0; t < k / 2; t++) {
      double s = p[2 * t + 1];
      if (colsFor[t] == s && colsValid[t]) {
        continue;
      }
      double[] col = cols[t];
      for (int i = 0; i < d.m; i++) {
        col[i] = Math.exp(s * d.lnx[i]);
      }
      colsFor[t] = s;
      colsValid[t] = true;
    }
  }

  /**
   * Loss Σ w_i·ρ_δ(r_i) at p, its gradient g = Σ w_i·ψ_δ(r_i)·∇f_i and the Gauss–Newton curvature
   * A = Σ w_i·c_i·∇f_i·∇f_iᵀ with c_i = ρ''_δ(r_i) = 1 inside δ. Outside δ the Huber loss is linear (ρ'' = 0); a
   * small c_i = 0.01·δ/|r_i| (a hundredth of the iteratively-reweighted weight) keeps A positive definite when most
   * points are outliers, without slowing the final, Newton-like convergence. ∂f/∂a = x^s, ∂f/∂s = a·x^s·ln x,
   * ∂f/∂b = 1.
   */
  private double evaluate(double[] p, double[][] am, double[] gv) {
    evaluations++;
    columns(p);
    for (int u = 0; u < k; u++) {
      java.util.Arrays.fill(am[u], 0, u + 1, 0.0);
    }
    java.util.Arrays.fill(gv, 0.0);
    double delta = d.delta;
    double cost = 0;
    int last = k - 1;
    double[] rw = row;
    for (int i = 0; i < d.m; i++) {
      double lnx = d.lnx[i];
      double f = p[last];
      for (int t = 0; t < last; t += 2) {
        double xs = cols[t / 2][i];
        f += p[t] * xs;
        rw[t] = xs;
        rw[t + 1] = p[t] * xs * lnx;
      }
      rw[last] = 1.0;
      double r = f - d.y[i];
      double ar = Math.abs(r);
      double w = d.w[i];
      double psi;
      double c;
      if (ar <= delta) {
        cost += w * 0.5 * r * r;
        psi = w * r;
        c = w;
      } else {
        cost += w * delta * (ar - 0.5 * delta);
        psi = w * Math.copySign(delta, r);
        c = w * 0.01 * delta / ar;
      }
      for (int u = 0; u < k; u++) {
        double ru = rw[u];
        gv[u] += ru * psi;
        double cu = c * ru;
        double[] au = am[u];
        for (int t = 0; t <= u; t++) {
          au[t] += cu * rw[t];
        }
      }
    }
    for (int u = 0; u < k; u++) {
      for (int t = 0; t < u; t++) {
        am[t][u] = am[u][t];
      }
    }
    return cost;
  }
}
