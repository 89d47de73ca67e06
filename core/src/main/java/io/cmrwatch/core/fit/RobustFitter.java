package io.cmrwatch.core.fit;

import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.hipparchus.exception.LocalizedCoreFormats;
import org.hipparchus.exception.MathIllegalStateException;
import org.hipparchus.linear.Array2DRowRealMatrix;
import org.hipparchus.linear.ArrayRealVector;
import org.hipparchus.linear.RealMatrix;
import org.hipparchus.linear.RealVector;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresBuilder;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresOptimizer.Optimum;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LeastSquaresProblem;
import org.hipparchus.optim.nonlinear.vector.leastsquares.LevenbergMarquardtOptimizer;
import org.hipparchus.optim.nonlinear.vector.leastsquares.MultivariateJacobianFunction;
import org.hipparchus.util.Pair;

/**
 * Robust nonlinear least squares for the four law forms: minimises the Huber loss summed over
 * points, Σ w_i·ρ_δ(y_i − f(x_i)), inside each form's physical parameter bounds, with the built-in
 * Levenberg–Marquardt ({@link LevenbergMarquardt}; Hipparchus' optimiser when {@link
 * FitOptions.Engine#HIPPARCHUS} is asked for).
 *
 * <p>{@link #fit} is a cold fit: exponents on a grid, the linear coefficients solved exactly for
 * each, the best start of every physical box polished by Levenberg–Marquardt, the lowest loss kept.
 * {@link #refit} is a warm start from a previous solution (one optimiser run; a cold fit if that
 * run fails).
 *
 * <p>The general law is fitted twice, as one term (monotone) and as a rise-then-fall bump; the bump
 * is kept only when it lowers the Bayesian information criterion, m·ln(L₁/L₂) &gt; 2·ln m (m
 * points, L the summed Huber loss, 2 extra parameters), so monotone data get {@code a3 = 0, s3 =
 * s2}.
 *
 * <p>Errors: malformed input (arrays of different lengths, NaN or infinite values, x ≤ 0, negative
 * weights) is a programming error and throws {@link IllegalArgumentException} with the offending
 * index; data that cannot support a fit (too few points) gives a {@link FitResult} with {@code
 * converged == false}, {@code law == null} and the reason. Nothing else throws.
 */
public final class RobustFitter {

  /** Exponent grid for cold starts (both signs; filtered to each box). */
  private static final double[] S_GRID = {
    -3, -2, -1.5, -1, -0.7, -0.5, -0.35, -0.2, -0.1, -0.03, 0.03, 0.1, 0.2, 0.35, 0.5, 0.7, 1, 1.5,
    2, 3
  };

  /** Starts polished per box in a cold fit. */
  private static final int STARTS_PER_BOX = 1;

  /** The bump (5 parameters) is only tried with at least this many points. */
  private static final int MIN_POINTS_FOR_BUMP = 6;

  private RobustFitter() {}

  /**
   * Cold fit of {@code form} to the points (x_i, y_i) with weights w_i (null: all 1). See the class
   * comment.
   */
  public static FitResult fit(
      LawForm form, double[] x, double[] y, double[] weights, FitOptions o) {
    FitPoints d = FitPoints.of(form, x, y, weights, o);
    String problem = d.insufficient(form);
    if (problem != null) {
      return FitResult.impossible(d.m, problem);
    }
    return cold(form, d, o, 0);
  }

  /**
   * Warm refit from {@code start} (normally the previous fit of the same series): one
   * Levenberg–Marquardt run inside the physical box that holds {@code start}. For the general law
   * the start's model is kept (one term when {@code a3 == 0}, else the bump); run a cold {@link
   * #fit} now and then to revisit that choice. Falls back to a cold fit when the warm run does not
   * converge.
   */
  public static FitResult refit(
      LawForm form, double[] x, double[] y, double[] weights, Law start, FitOptions o) {
    if (start == null || start.form() != form) {
      throw new IllegalArgumentException(
          "refit needs a start law of form "
              + form.id()
              + ", got "
              + (start == null ? "null" : start.form().id()));
    }
    FitPoints d = FitPoints.of(form, x, y, weights, o);
    String problem = d.insufficient(form);
    if (problem != null) {
      return FitResult.impossible(d.m, problem);
    }
    double[] p = start.parameters();
    boolean oneTermGeneral = form == LawForm.GENERAL && p[2] == 0 && o.lower() == null;
    double[] sp = oneTermGeneral ? new double[] {p[0], p[1], p[4]} : p;
    List<Box> boxes = oneTermGeneral ? Box.monotone(d.coef) : Box.of(form, d.coef, o);
    Box box = boxes.get(0);
    for (Box b : boxes) {
      if (b.distance2(sp) < box.distance2(sp)) {
        box = b;
      }
    }
    Run run = lm(d, box, sp, o, true);
    if (!run.converged) {
      return cold(form, d, o, run.evaluations);
    }
    return result(form, d, run, run.evaluations, "converged (warm start)");
  }

  private static FitResult cold(LawForm form, FitPoints d, FitOptions o, int spent) {
    int evaluations = spent;
    if (form == LawForm.GENERAL && o.lower() == null) {
      Run one = bestOf(d, Box.monotone(d.coef), o);
      evaluations += one.evaluations;
      Run two = null;
      if (d.m >= MIN_POINTS_FOR_BUMP) {
        two = bestOf(d, Box.bump(d.coef), o);
        evaluations += two.evaluations;
      }
      if (two != null && keepBump(one.loss, two.loss, d.m)) {
        double[] p = two.p;
        double peak = Math.pow(-p[0] * p[1] / (p[2] * p[3]), 1.0 / (p[3] - p[1]));
        return result(
            form,
            d,
            two,
            evaluations,
            (two.converged ? "converged" : "not converged")
                + "; bump found, peak"
                + " at x="
                + (float) peak
                + " (BIC prefers two terms)");
      }
      return result(
          form,
          d,
          one,
          evaluations,
          (one.converged ? "converged" : "not converged")
              + "; one term suffices, no bump"
              + (two == null ? " (too few points to try one)" : " (BIC)"));
    }
    Run best = bestOf(d, Box.of(form, d.coef, o), o);
    return result(
        form, d, best, evaluations + best.evaluations, best.converged ? "converged" : best.note);
  }

  /**
   * BIC rule: m·ln(L₁/L₂) &gt; k·ln m with k = 2 extra parameters (a tiny floor keeps exact data
   * finite).
   */
  static boolean keepBump(double oneTermLoss, double bumpLoss, int m) {
    double floor = 1e-300;
    return m * Math.log((oneTermLoss + floor) / (bumpLoss + floor)) > 2 * Math.log(m);
  }

  /** Grid starts in each box, the best {@link #STARTS_PER_BOX} polished, the lowest loss kept. */
  private static Run bestOf(FitPoints d, List<Box> boxes, FitOptions o) {
    Run best = null;
    int evaluations = 0;
    for (Box box : boxes) {
      for (double[] start : starts(d, box, STARTS_PER_BOX)) {
        Run r = lm(d, box, start, o, false);
        evaluations += r.evaluations;
        if (best == null || better(r, best)) {
          best = r;
        }
      }
    }
    return new Run(best.p, best.loss, best.converged, evaluations, best.note, best.box);
  }

  /**
   * Starting points for a box: each exponent (pair) on the grid inside the box, the linear
   * coefficients solved by weighted least squares for it, projected onto the box; the {@code count}
   * with the lowest Huber loss.
   */
  private static List<double[]> starts(FitPoints d, Box box, int count) {
    int terms = box.terms();
    double[] first = gridWithin(box.lower()[1], box.upper()[1]);
    List<double[]> exponents = new ArrayList<>();
    for (double s1 : first) {
      if (terms == 1) {
        exponents.add(new double[] {s1});
        continue;
      }
      for (double s2 : gridWithin(box.lower()[3], box.upper()[3])) {
        if (!box.ordered() || s2 >= s1 + Box.GAP) {
          exponents.add(new double[] {s1, s2});
        }
      }
    }
    List<double[]> candidates = new ArrayList<>();
    List<Double> losses = new ArrayList<>();
    for (double[] e : exponents) {
      double[] col1 = d.column(e[0]);
      double[] col2 = terms == 2 ? d.column(e[1]) : null;
      double[] coefs =
          SmallMatrix.weightedLinearFit(
              terms == 2 ? new double[][] {col1, col2} : new double[][] {col1}, d.y, d.w);
      double[] p =
          terms == 2
              ? new double[] {coefs[0], e[0], coefs[1], e[1], coefs[2]}
              : new double[] {coefs[0], e[0], coefs[1]};
      box.project(p);
      candidates.add(p);
      // The projection may have moved an exponent off the grid; then the cached columns do not
      // apply.
      boolean onGrid = p[1] == e[0] && (terms == 1 || p[3] == e[1]);
      losses.add(onGrid ? d.columnLoss(p, col1, col2) : d.loss(p));
    }
    Integer[] order = new Integer[candidates.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (i, j) -> Double.compare(losses.get(i), losses.get(j)));
    List<double[]> out = new ArrayList<>();
    for (int i = 0; i < Math.min(count, order.length); i++) {
      out.add(candidates.get(order[i]));
    }
    if (out.isEmpty()) {
      double[] mid = new double[box.parameterCount()];
      for (int i = 0; i < mid.length; i++) {
        mid[i] = 0.5 * (box.lower()[i] + box.upper()[i]);
      }
      out.add(box.project(mid));
    }
    return out;
  }

  /** The grid exponents inside [lo, hi], or the interval's midpoint when none is. */
  private static double[] gridWithin(double lo, double hi) {
    double[] inside = Arrays.stream(S_GRID).filter(s -> s >= lo && s <= hi).toArray();
    return inside.length > 0 ? inside : new double[] {0.5 * (lo + hi)};
  }

  private static boolean better(Run a, Run b) {
    if (a.converged != b.converged
        && Math.abs(a.loss - b.loss) <= 1e-12 * Math.max(a.loss, b.loss)) {
      return a.converged;
    }
    return a.loss < b.loss;
  }

  /**
   * One Levenberg–Marquardt run from {@code start} inside {@code box}, with the engine the options
   * name.
   */
  private static Run lm(FitPoints d, Box box, double[] start, FitOptions o, boolean warm) {
    if (o.engine() == FitOptions.Engine.HIPPARCHUS) {
      return hipparchus(d, box, start, o);
    }
    LevenbergMarquardt.Outcome out =
        LevenbergMarquardt.minimize(d, box, start, o, warm ? 1e-7 : 1e-3);
    return new Run(out.p(), out.loss(), out.converged(), out.evaluations(), out.note(), box);
  }

  /**
   * Hipparchus' Levenberg–Marquardt on the pseudo-residuals sqrt(w_i)·φ(f(x_i) − y_i), projected
   * onto the box.
   */
  private static Run hipparchus(FitPoints d, Box box, double[] start, FitOptions o) {
    int k = box.parameterCount();
    int m = d.m;
    double[] best = box.project(start.clone());
    double[] bestLoss = {d.loss(best)};
    int[] count = {0};
    MultivariateJacobianFunction model =
        point -> {
          double[] p = point.toArray();
          double[] v = new double[m];
          double[][] jac = new double[m][k];
          double loss = 0;
          for (int i = 0; i < m; i++) {
            double f = p[k - 1];
            double lnx = d.lnx[i];
            double[] row = jac[i];
            for (int t = 0; t < k - 1; t += 2) {
              double xs = Math.exp(p[t + 1] * lnx);
              f += p[t] * xs;
              row[t] = xs;
              row[t + 1] = p[t] * xs * lnx;
            }
            row[k - 1] = 1.0;
            double r = f - d.y[i];
            double phi = Huber.pseudoResidual(r, d.delta);
            double scale = d.sw[i] * Huber.pseudoResidualSlope(r, d.delta);
            v[i] = d.sw[i] * phi;
            for (int j = 0; j < k; j++) {
              row[j] *= scale;
            }
            loss += 0.5 * v[i] * v[i];
          }
          count[0]++;
          if (loss < bestLoss[0]) {
            bestLoss[0] = loss;
            System.arraycopy(p, 0, best, 0, k);
          }
          return new Pair<RealVector, RealMatrix>(
              new ArrayRealVector(v, false), new Array2DRowRealMatrix(jac, false));
        };
    LeastSquaresProblem problem =
        new LeastSquaresBuilder()
            .model(model)
            .target(new double[m])
            .start(best.clone())
            .parameterValidator(point -> new ArrayRealVector(box.project(point.toArray()), false))
            .maxEvaluations(o.maxEvaluations())
            .maxIterations(o.maxEvaluations())
            .lazyEvaluation(false)
            .build();
    LevenbergMarquardtOptimizer optimizer =
        new LevenbergMarquardtOptimizer()
            .withCostRelativeTolerance(o.costRelativeTolerance())
            .withParameterRelativeTolerance(o.parameterRelativeTolerance())
            .withOrthoTolerance(o.orthoTolerance());
    boolean converged;
    String note;
    try {
      Optimum opt = optimizer.optimize(problem);
      converged = true;
      note = "converged";
      double[] p = box.project(opt.getPoint().toArray());
      double loss = d.loss(p);
      if (loss <= bestLoss[0]) {
        bestLoss[0] = loss;
        System.arraycopy(p, 0, best, 0, k);
      }
    } catch (MathIllegalStateException e) {
      if (e.getSpecifier() == LocalizedCoreFormats.MAX_COUNT_EXCEEDED) {
        converged = false;
        note = "did not converge within " + o.maxEvaluations() + " evaluations";
      } else {
        // "tolerance too small, no further reduction possible": the optimum is reached to machine
        // precision.
        converged = true;
        note = "converged (machine precision)";
      }
    }
    return new Run(best, bestLoss[0], converged, count[0], note, box);
  }

  private static FitResult result(
      LawForm form, FitPoints d, Run run, int evaluations, String message) {
    int k = run.p.length;
    double[] r = new double[d.m];
    double sw = 0;
    double ssr = 0;
    double ybar = 0;
    for (int i = 0; i < d.m; i++) {
      r[i] = d.y[i] - FitPoints.valueLog(run.p, d.lnx[i]);
      sw += d.w[i];
      ssr += d.w[i] * r[i] * r[i];
      ybar += d.w[i] * d.y[i];
    }
    ybar /= sw;
    double sst = 0;
    for (int i = 0; i < d.m; i++) {
      sst += d.w[i] * (d.y[i] - ybar) * (d.y[i] - ybar);
    }
    // Constant y (up to rounding of the mean) leaves no variance to explain: R² is undefined.
    double tiny = 1e-12 * (Math.abs(ybar) + d.delta);
    double r2 = sst > tiny * tiny * sw ? 1 - ssr / sst : Double.NaN;
    double loss = Huber.totalLoss(r, d.w, d.delta);
    FitStats stats = new FitStats(d.m, loss, Math.sqrt(ssr / sw), r2, d.delta);
    double[][] cov = covariance(d, run.p, r, run.box);
    double[] params = run.p;
    if (form == LawForm.GENERAL && run.terms() == 1) {
      // One term: a3 = 0 and s3 = s2, fixed by model selection (zero variance).
      params = new double[] {run.p[0], run.p[1], 0, run.p[1], run.p[2]};
      double[][] full = new double[5][5];
      int[] map = {0, 1, 4};
      for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) {
          full[map[i]][map[j]] = cov[i][j];
        }
      }
      cov = full;
    }
    double[] se = new double[params.length];
    for (int i = 0; i < se.length; i++) {
      se[i] = cov[i][i] >= 0 ? Math.sqrt(cov[i][i]) : Double.NaN;
    }
    boolean identifiable = true;
    for (double v : se) {
      identifiable &= !Double.isNaN(v);
    }
    String msg =
        message
            + (identifiable
                ? ""
                : "; parameters not identifiable from these points (standard errors NaN)")
            + (k >= d.m ? "; as many points as parameters" : "");
    return new FitResult(Law.of(form, params), se, cov, stats, run.converged, evaluations, msg);
  }

  /**
   * Cov(p) ≈ σ²·(Jᵀ W J)⁻¹ with J the model's Jacobian at the solution and the robust residual
   * variance σ² = [Σ w_i·ψ_δ(r_i)² / (m − k)] / q², q = Σ_{|r_i|≤δ} w_i / Σ w_i (Huber's
   * M-estimator sandwich; with no point beyond δ it is the ordinary weighted least-squares
   * estimate). Parameters that the fit holds fixed — at a bound of the box, or without influence on
   * the curve (s when its a = 0) — get zero variance and are left out of the inversion; k counts
   * only the free ones. NaN when m ≤ k or the free parameters are not identifiable.
   */
  private static double[][] covariance(FitPoints d, double[] p, double[] r, Box box) {
    int k = p.length;
    boolean[] fixed = new boolean[k];
    int nFree = 0;
    for (int j = 0; j < k; j++) {
      boolean atBound = p[j] <= box.lower()[j] || p[j] >= box.upper()[j];
      boolean noInfluence = j % 2 == 1 && j < k - 1 && p[j - 1] == 0;
      fixed[j] = atBound || noInfluence;
      if (!fixed[j]) {
        nFree++;
      }
    }
    double[][] full = new double[k][k];
    if (d.m <= nFree) {
      for (double[] row : full) {
        Arrays.fill(row, Double.NaN);
      }
      return full;
    }
    int[] idx = new int[nFree];
    for (int j = 0, c = 0; j < k; j++) {
      if (!fixed[j]) {
        idx[c++] = j;
      }
    }
    double[][] a = new double[nFree][nFree];
    double[] g = new double[k];
    double psi2 = 0;
    double inside = 0;
    double sw = 0;
    for (int i = 0; i < d.m; i++) {
      double lnx = d.lnx[i];
      for (int t = 0; t < k - 1; t += 2) {
        double xs = Math.exp(p[t + 1] * lnx);
        g[t] = xs;
        g[t + 1] = p[t] * xs * lnx;
      }
      g[k - 1] = 1;
      for (int u = 0; u < nFree; u++) {
        for (int v = 0; v <= u; v++) {
          a[u][v] += d.w[i] * g[idx[u]] * g[idx[v]];
        }
      }
      double psi = Huber.influence(r[i], d.delta);
      psi2 += d.w[i] * psi * psi;
      sw += d.w[i];
      if (Math.abs(r[i]) <= d.delta) {
        inside += d.w[i];
      }
    }
    double q = Math.max(inside / sw, 0.05);
    double sigma2 = psi2 / (d.m - nFree) / (q * q);
    double[][] inv = nFree == 0 ? new double[0][0] : SmallMatrix.inverseSpd(a);
    if (inv == null) {
      for (double[] row : full) {
        Arrays.fill(row, Double.NaN);
      }
      return full;
    }
    for (int u = 0; u < nFree; u++) {
      for (int v = 0; v < nFree; v++) {
        full[idx[u]][idx[v]] = inv[u][v] * sigma2;
      }
    }
    return full;
  }

  /** The outcome of one optimiser run (or the best of several). */
  private record Run(
      double[] p, double loss, boolean converged, int evaluations, String note, Box box) {
    int terms() {
      return box.terms();
    }
  }
}
