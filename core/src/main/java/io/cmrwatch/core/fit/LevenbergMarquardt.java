package io.cmrwatch.core.fit;

/**
 * A small, allocation-light Levenberg–Marquardt for the power-law sums of this package (k ≤ 5
 * parameters), minimising the summed Huber loss Σ w_i·ρ_δ(f(x_i) − y_i) directly (robust
 * Gauss–Newton: the curvature of the quadratic part only, as scipy's least_squares does for its
 * robust losses).
 *
 * <p>Each iteration accumulates the Gauss–Newton curvature A and the gradient g of the Huber loss
 * in one pass over the points (one exponential per point and term, no matrices of size m), solves
 * (A + μ·diag A)·h = −g by Cholesky over the directions not held at a bound (a bound is active when
 * the gradient pushes the parameter out of its box; the exponent order s2 + gap ≤ s3 of a bump is
 * handled the same way), projects the trial point onto the box and accepts it when the loss falls.
 * μ follows Nielsen's rule. It stops when the relative loss reduction (actual and predicted) is
 * below the cost tolerance, the scaled step below the parameter tolerance, or every free gradient
 * component is orthogonal to the residuals within the ortho tolerance — the three tests of
 * MINPACK's lmder, which Hipparchus' optimiser also uses.
 */
final class LevenbergMarquardt {

  /** Curvature beyond δ in a step's Gauss–Newton matrix, relative to the IRLS weight w·δ/|r|. */
  private static final double OUTSIDE_CURVATURE = 0.01;

  /**
   * The same for the Newton steps on the linear coefficients: exact Newton on the
   * piecewise-quadratic loss, with only a trace of curvature beyond δ for definiteness.
   */
  private static final double NEWTON_OUTSIDE_CURVATURE = 1e-6;

  private final FitPoints d;
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

  private LevenbergMarquardt(FitPoints d, Box box) {
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

  /**
   * The outcome: best point, its loss, whether a stopping test was met, evaluations used, a note.
   */
  record Outcome(double[] p, double loss, boolean converged, int evaluations, String note) {}

  /**
   * Minimises from {@code start}. {@code initialMu} is the first damping (relative to diag A):
   * small for a warm start that is already near the minimum (Gauss–Newton steps at once), larger
   * for a grid start.
   */
  static Outcome minimize(FitPoints d, Box box, double[] start, FitOptions o, double initialMu) {
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
      // Orthogonality test: cos(residuals, J·z_c) = |z_cᵀg| / (sqrt(z_cᵀAz_c)·sqrt(2·loss)) for
      // every free direction.
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
          return new Outcome(
              p, cost, false, evaluations, "did not converge within " + max + " evaluations");
        }
        if (!solveDamped(reduced, gnDiag, rg, n, mu, maxDiag, basis, h)) {
          mu *= nu;
          nu *= 2;
          if (mu > 1e30) {
            return new Outcome(p, cost, true, evaluations, "converged (machine precision)");
          }
          continue;
        }
        boolean clipped = false;
        for (int j = 0; j < k; j++) {
          trial[j] = p[j] + h[j];
        }
        box.project(trial);
        for (int j = 0; j < k; j++) {
          clipped |= trial[j] != p[j] + h[j];
        }
        // The projected step, its scaled length, and the loss reduction the quadratic model
        // predicts for it.
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
        // A nearly undamped, unclipped Gauss–Newton step that the quadratic model says gains less
        // than a tenth of
        // the cost tolerance: the loss test would pass after it, so spare the evaluation.
        if (mu <= 1e-4
            && !clipped
            && predicted >= 0
            && predicted <= 0.1 * o.costRelativeTolerance() * cost) {
          return new Outcome(p, cost, true, evaluations, "converged (predicted gain)");
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
   * The directions the next step may take, as columns of {@code basis}; returns how many. A
   * parameter held at a bound (descent, −g_j, would push it out) gets no direction. In an ordered
   * box whose exponents sit at the minimum gap with the gradient closing it, s2 and s3 move
   * together (one direction e_s2 + e_s3).
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

  /**
   * reduced = Zᵀ·A·Z, gnDiag = its diagonal and rg = Zᵀ·g for the first n columns z_c of the basis.
   */
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
   * Solves (M + μ·D)·z = −rg for the reduced system M, D = diag(M) floored so a direction without
   * influence (a3 = 0 makes ∂f/∂s3 vanish) still gets damping; h = Σ z_c·basis_c. Jacobi-scaled
   * Cholesky; false if not positive definite.
   */
  private boolean solveDamped(
      double[][] mm,
      double[] gnDiag,
      double[] rg,
      int n,
      double mu,
      double maxDiag,
      double[][] basis,
      double[] h) {
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
   * Variable projection, done as a correction: at p's exponents, replaces the linear coefficients
   * (a_t and b) by the ones minimising the Huber loss (a convex problem: a few Newton steps on k −
   * terms unknowns, one pass over the cached columns x^s each, within the box). A power-law fit's
   * valley runs along "change an exponent, compensate with the coefficients"; landing every trial
   * on the valley floor is what lets a warm refit converge in a handful of iterations
   * (Golub–Pereyra; Kaufman).
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
    double[] c = new double[nl];
    double[] prevC = new double[nl];
    double[] dir = new double[nl];
    for (int u = 0; u < nl; u++) {
      c[u] = p[idx[u]];
    }
    // Each pass over the points gives the loss at c and the Newton system there; a full step is
    // accepted
    // tentatively and checked by the next pass, so a typical call costs two passes.
    double prevCost = Double.POSITIVE_INFINITY;
    boolean tentative = false;
    for (int iter = 0; iter < 12; iter++) {
      // One pass: loss, gradient and Newton matrix over the (at most three) linear coefficients, in
      // scalars so the
      // loop stays tight; c0 multiplies column 0, c1 column 1 (two terms), and the constant comes
      // last.
      boolean changed = false;
      double cost = 0;
      double g0 = 0;
      double g1 = 0;
      double gb = 0;
      double m00 = 0;
      double m10 = 0;
      double m11 = 0;
      double mb0 = 0;
      double mb1 = 0;
      double mbb = 0;
      double[] col0 = cols[0];
      double[] col1 = terms == 2 ? cols[1] : col0;
      double c0 = c[0];
      double c1 = terms == 2 ? c[1] : 0;
      double cb = c[terms];
      double[] y = d.y;
      double[] wts = d.w;
      for (int i = 0; i < d.m; i++) {
        double x0 = col0[i];
        double x1 = col1[i];
        double r = c0 * x0 + c1 * x1 + cb - y[i];
        double w = wts[i];
        boolean inside = Math.abs(r) <= delta;
        if (inside != inlier[i]) {
          inlier[i] = inside;
          changed = true;
        }
        // Exact Newton on the piecewise-quadratic loss (ρ'' = 0 beyond δ), with a trace of
        // curvature for definiteness.
        cost += Huber.weightedLoss(r, w, delta);
        double psi = Huber.weightedInfluence(r, w, delta);
        double om = Huber.curvature(r, w, delta, NEWTON_OUTSIDE_CURVATURE);
        g0 += psi * x0;
        g1 += psi * x1;
        gb += psi;
        double ox0 = om * x0;
        double ox1 = om * x1;
        m00 += ox0 * x0;
        m10 += ox1 * x0;
        m11 += ox1 * x1;
        mb0 += ox0;
        mb1 += ox1;
        mbb += om;
      }
      if (terms == 2) {
        grad[0] = g0;
        grad[1] = g1;
        grad[2] = gb;
        mm[0][0] = m00;
        mm[1][0] = m10;
        mm[1][1] = m11;
        mm[2][0] = mb0;
        mm[2][1] = mb1;
        mm[2][2] = mbb;
      } else {
        grad[0] = g0;
        grad[1] = gb;
        mm[0][0] = m00;
        mm[1][0] = mb0;
        mm[1][1] = mbb;
      }
      if (tentative && !(cost <= prevCost)) {
        // The full step overshot (points crossed δ): back off along the same direction.
        System.arraycopy(prevC, 0, c, 0, nl);
        boolean improved = false;
        for (double step = 0.5; step > 0.01 && !improved; step *= 0.5) {
          double[] trialC = new double[nl];
          for (int u = 0; u < nl; u++) {
            int j = idx[u];
            trialC[u] = Math.max(lo[j], Math.min(hi[j], prevC[u] + step * dir[u]));
          }
          if (linearCost(trialC, terms) < prevCost) {
            System.arraycopy(trialC, 0, c, 0, nl);
            improved = true;
          }
        }
        tentative = false;
        if (!improved) {
          break;
        }
        prevCost = Double.POSITIVE_INFINITY;
        continue;
      }
      // A full Newton step that kept every point on its side of δ landed on the exact minimum.
      if (tentative && !changed) {
        tentative = false;
        break;
      }
      if (tentative && prevCost - cost <= 1e-15 * cost) {
        tentative = false;
        break;
      }
      tentative = false;
      if (!newtonDirection(c, grad, mm, idx, lo, hi, dir)) {
        break;
      }
      System.arraycopy(c, 0, prevC, 0, nl);
      prevCost = cost;
      for (int u = 0; u < nl; u++) {
        int j = idx[u];
        c[u] = Math.max(lo[j], Math.min(hi[j], prevC[u] + dir[u]));
      }
      tentative = true;
    }
    if (tentative && !(linearCost(c, terms) <= prevCost)) {
      System.arraycopy(prevC, 0, c, 0, nl);
    }
    for (int u = 0; u < nl; u++) {
      p[idx[u]] = c[u];
    }
  }

  /**
   * The Newton direction for the linear coefficients: −M⁻¹·grad over the coefficients not held at a
   * bound by the gradient (0 for those); false when there is no free coefficient or M is singular.
   */
  private static boolean newtonDirection(
      double[] c, double[] grad, double[][] mm, int[] idx, double[] lo, double[] hi, double[] dir) {
    int nl = c.length;
    int[] map = new int[nl];
    int nf = 0;
    for (int u = 0; u < nl; u++) {
      int j = idx[u];
      dir[u] = 0;
      if (!((c[u] <= lo[j] && grad[u] > 0) || (c[u] >= hi[j] && grad[u] < 0) || lo[j] == hi[j])) {
        map[nf++] = u;
      }
    }
    if (nf == 0) {
      return false;
    }
    double[][] sub = new double[nf][nf];
    for (int u = 0; u < nf; u++) {
      for (int v = 0; v <= u; v++) {
        sub[u][v] = mm[Math.max(map[u], map[v])][Math.min(map[u], map[v])];
      }
    }
    double[][] inv = SmallMatrix.inverseSpd(sub);
    if (inv == null) {
      return false;
    }
    for (int u = 0; u < nf; u++) {
      double s = 0;
      for (int v = 0; v < nf; v++) {
        s -= inv[u][v] * grad[map[v]];
      }
      dir[map[u]] = s;
    }
    return true;
  }

  /**
   * {@link #evaluate} for the two-term law, with the 15 distinct entries of A and the 5 of g in
   * scalars (the general law's refit is the hot path of a live run). Rows: [x^s2, a2·x^s2·ln x,
   * x^s3, a3·x^s3·ln x, 1].
   */
  private double evaluateTwoTerms(double[] p, double[][] am, double[] gv) {
    double a2 = p[0];
    double a3 = p[2];
    double b = p[4];
    double[] col2 = cols[0];
    double[] col3 = cols[1];
    double[] lnxs = d.lnx;
    double[] y = d.y;
    double[] wts = d.w;
    double delta = d.delta;
    double cost = 0;
    double g0 = 0;
    double g1 = 0;
    double g2 = 0;
    double g3 = 0;
    double g4 = 0;
    double a00 = 0;
    double a10 = 0;
    double a11 = 0;
    double a20 = 0;
    double a21 = 0;
    double a22 = 0;
    double a30 = 0;
    double a31 = 0;
    double a32 = 0;
    double a33 = 0;
    double a40 = 0;
    double a41 = 0;
    double a42 = 0;
    double a43 = 0;
    double a44 = 0;
    for (int i = 0; i < d.m; i++) {
      double lnx = lnxs[i];
      double j0 = col2[i];
      double j2 = col3[i];
      double j1 = a2 * j0 * lnx;
      double j3 = a3 * j2 * lnx;
      double r = a2 * j0 + a3 * j2 + b - y[i];
      double w = wts[i];
      cost += Huber.weightedLoss(r, w, delta);
      double psi = Huber.weightedInfluence(r, w, delta);
      double c = Huber.curvature(r, w, delta, OUTSIDE_CURVATURE);
      g0 += psi * j0;
      g1 += psi * j1;
      g2 += psi * j2;
      g3 += psi * j3;
      g4 += psi;
      double c0 = c * j0;
      double c1 = c * j1;
      double c2 = c * j2;
      double c3 = c * j3;
      a00 += c0 * j0;
      a10 += c1 * j0;
      a11 += c1 * j1;
      a20 += c2 * j0;
      a21 += c2 * j1;
      a22 += c2 * j2;
      a30 += c3 * j0;
      a31 += c3 * j1;
      a32 += c3 * j2;
      a33 += c3 * j3;
      a40 += c0;
      a41 += c1;
      a42 += c2;
      a43 += c3;
      a44 += c;
    }
    gv[0] = g0;
    gv[1] = g1;
    gv[2] = g2;
    gv[3] = g3;
    gv[4] = g4;
    double[][] lowerT = {
      {a00}, {a10, a11}, {a20, a21, a22}, {a30, a31, a32, a33}, {a40, a41, a42, a43, a44}
    };
    for (int u = 0; u < 5; u++) {
      for (int t = 0; t <= u; t++) {
        am[u][t] = lowerT[u][t];
        am[t][u] = lowerT[u][t];
      }
    }
    return cost;
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
      s += d.w[i] * Huber.loss(f - d.y[i], delta);
    }
    return s;
  }

  /**
   * Fills the column cache x_i^{s_t} for p's exponents (recomputed only when an exponent changed).
   */
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
   * Loss Σ w_i·ρ_δ(r_i) at p, its gradient g = Σ w_i·ψ_δ(r_i)·∇f_i and the Gauss–Newton curvature A
   * = Σ c_i·∇f_i·∇f_iᵀ with c_i = {@link Huber#curvature} (w_i inside δ; beyond it a hundredth of
   * the iteratively-reweighted weight, {@link #OUTSIDE_CURVATURE}, keeps A positive definite when
   * most points are outliers, without slowing the final, Newton-like convergence). ∂f/∂a = x^s,
   * ∂f/∂s = a·x^s·ln x, ∂f/∂b = 1. One pass over the points, the exponentials from the column
   * cache; the two-term law has its own unrolled pass ({@link #evaluateTwoTerms}).
   */
  private double evaluate(double[] p, double[][] am, double[] gv) {
    evaluations++;
    columns(p);
    if (k == 5) {
      return evaluateTwoTerms(p, am, gv);
    }
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
      double f = 0;
      for (int t = 0; t < last; t += 2) {
        double xs = cols[t / 2][i];
        f += p[t] * xs;
        rw[t] = xs;
        rw[t + 1] = p[t] * xs * lnx;
      }
      rw[last] = 1.0;
      double r = f + p[last] - d.y[i];
      double w = d.w[i];
      cost += Huber.weightedLoss(r, w, delta);
      double psi = Huber.weightedInfluence(r, w, delta);
      double c = Huber.curvature(r, w, delta, OUTSIDE_CURVATURE);
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
