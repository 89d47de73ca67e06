package io.cmrwatch.core.cmr;

import io.cmrwatch.core.cmr.ExperimentEstimate.CmrLaw;
import io.cmrwatch.core.cmr.ExperimentEstimate.Extrapolation;
import io.cmrwatch.core.cmr.ExperimentEstimate.Interpolation;
import io.cmrwatch.core.cmr.RatioCurve.Crossing;
import io.cmrwatch.core.cmr.RunFit.Resolved;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.RunSummary;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.hipparchus.distribution.continuous.TDistribution;

/**
 * The entry point of the method: from the run summaries of one experiment (and optionally its
 * previous estimate, for warm starts) to an {@link ExperimentEstimate} — every run's laws, T0 and
 * feasibility, the CMR at the budget with its 90 % interval, and the CMR law over budgets.
 * Thread-safe; cheap to call after every event when given the previous estimate (see
 * docs/benchmarks.md, "CMR speed"): a warm analysis refits a run from its previous laws, and does
 * not refit at all a run whose summary and settings are unchanged since this analyzer last fitted
 * it (a bounded in-memory memo; a cold analysis ignores it).
 *
 * <p>Uncertainty (delta method): each run's laws carry the fitter's parameter covariance; T0's
 * variance follows from the implicit-function theorem ({@link CriticalPoint#gradient}) and
 * dGen(T_max)'s from the law's parameter gradient. The CMR's variance is Σ_k (ΔCMR_k)², where
 * ΔCMR_k is half the change of the CMR when run k's value of each constraint is moved by ± one
 * standard deviation (runs are independent), multiplied by the reduced χ² of the binding
 * across-ratio fit when that exceeds 1 (scatter the per-run errors do not explain), plus the
 * squared distance between the ratio-law and the linear crossing (interpolation error). Intervals
 * are ± t·σ, clipped to [0, 1], with t the 95 % quantile of Student's t with m − 3 degrees of
 * freedom (m usable runs) when the ratio law was fitted, else 1.645.
 */
public final class ExperimentAnalyzer {

  private static final double Z90 = RunFit.Z90;

  /**
   * Floor τ of the across-ratio weights, as a fraction of ε (both constraints are in loss units).
   */
  private static final double TAU = 0.05;

  /**
   * Runs whose fits are remembered for warm analyses (a few each); the memo is cleared when it
   * grows past this.
   */
  static final int MEMO_LIMIT = 20_000;

  private final CmrSettings settings;
  // Warm analyses reuse a run's fit when its summary (and the settings) are unchanged since the
  // fit: in a stream only
  // the run that received an event needs refitting. Keyed by experiment and run; holds the
  // summary's content hash.
  private final Map<String, Memo> memo = new ConcurrentHashMap<>();

  /** An analyzer with the given settings. */
  public ExperimentAnalyzer(CmrSettings settings) {
    this.settings = settings;
  }

  /** An analyzer with {@link CmrSettings#defaults()}. */
  public ExperimentAnalyzer() {
    this(CmrSettings.defaults());
  }

  /** The settings. */
  public CmrSettings settings() {
    return settings;
  }

  /** Cold analysis (every fit from scratch). */
  public ExperimentEstimate analyze(String experiment, Collection<RunSummary> runs) {
    return analyze(experiment, runs, null);
  }

  /**
   * Analysis warm-started from {@code previous} (the last estimate of the same experiment, or null
   * for a cold one): each run's laws are refitted from its previous laws when its ratio is
   * unchanged.
   */
  public ExperimentEstimate analyze(
      String experiment, Collection<RunSummary> runs, ExperimentEstimate previous) {
    return analyze(experiment, runs, previous, false);
  }

  /**
   * As {@link #analyze(String, Collection, ExperimentEstimate)}; with {@code deferCold}, a run with
   * usable previous laws is refitted warm even when its data grew enough for its periodic cold
   * refit, which then happens on the first analysis without {@code deferCold}. For a caller short
   * of time (a stream under load): a warm refit costs a small fraction of a multi-start cold fit,
   * at the risk of staying a little longer in the previous basin. A cold analysis ({@code previous}
   * null) is unaffected.
   */
  public ExperimentEstimate analyze(
      String experiment,
      Collection<RunSummary> runs,
      ExperimentEstimate previous,
      boolean deferCold) {
    return analyze(experiment, runs, previous, deferCold, false);
  }

  /**
   * As {@link #analyze(String, Collection, ExperimentEstimate, boolean)}; with {@code keepLaw}, the
   * CMR law of {@code previous} is carried over instead of refitted, when {@code previous} is an
   * {@code ok} estimate for the same budget, ε, λ and token unit (otherwise it is fitted as usual).
   * For a caller that refreshes the CMR often and the law now and then: the law's grid of budgets
   * is about nine tenths of a warm analysis (see docs/benchmarks.md, "CMR speed").
   */
  public ExperimentEstimate analyze(
      String experiment,
      Collection<RunSummary> runs,
      ExperimentEstimate previous,
      boolean deferCold,
      boolean keepLaw) {
    List<RunSummary> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingDouble(RunSummary::ratio).thenComparing(RunSummary::run));
    for (RunSummary s : sorted) {
      if (!s.experiment().equals(experiment)) {
        throw new IllegalArgumentException(
            "run " + s.run() + " belongs to experiment " + s.experiment() + ", not " + experiment);
      }
    }
    double epsilon =
        pick(settings.epsilon(), sorted, RunSummary::epsilon, CmrSettings.DEFAULT_EPSILON);
    double lambda = pick(settings.lambda(), sorted, RunSummary::lambda, CmrSettings.DEFAULT_LAMBDA);
    double unit =
        pick(settings.tokenUnit(), sorted, RunSummary::tokenUnit, CmrSettings.DEFAULT_TOKEN_UNIT);
    Long budget = settings.budgetTokens();
    if (budget == null) {
      Double b =
          pickOrNull(sorted, s -> s.budgetTokens() == null ? null : s.budgetTokens().doubleValue());
      budget = b == null ? null : b.longValue();
    }
    if (sorted.isEmpty()) {
      return notYet(
          experiment,
          budget,
          Reason.NO_RUNS,
          Reason.NO_RUNS.message(),
          epsilon,
          lambda,
          unit,
          0,
          List.of());
    }
    if (budget == null) {
      List<RunEstimate> plain = new ArrayList<>();
      for (RunSummary s : sorted) {
        plain.add(RunFit.failed(s, Reason.NO_BUDGET, Reason.NO_BUDGET.message()).estimate);
      }
      return notYet(
          experiment,
          null,
          Reason.NO_BUDGET,
          Reason.NO_BUDGET.message(),
          epsilon,
          lambda,
          unit,
          0,
          plain);
    }
    Resolved r = new Resolved(epsilon, lambda, unit, budget);
    Map<String, RunEstimate> prevRuns = new HashMap<>();
    if (previous != null && previous.runs() != null) {
      for (RunEstimate e : previous.runs()) {
        prevRuns.put(e.run(), e);
      }
    }
    List<RunFit> fits = new ArrayList<>();
    List<RunFit> usable = new ArrayList<>();
    List<RunEstimate> estimates = new ArrayList<>();
    if (memo.size() > MEMO_LIMIT) {
      memo.clear();
    }
    for (RunSummary s : sorted) {
      String key = experiment + '\u0000' + s.run();
      long hash = contentHash(s, r);
      Memo m = previous == null ? null : memo.get(key);
      RunFit f = m == null ? null : m.find(hash);
      if (f == null) {
        f =
            RunFit.of(
                s,
                r,
                prevRuns.get(s.run()),
                previous == null,
                deferCold,
                settings.fit(),
                settings.minPoints(),
                settings.minSpanOctaves());
        memo.put(key, Memo.with(m, hash, f));
      }
      fits.add(f);
      estimates.add(f.estimate);
      if (f.ok()) {
        usable.add(f);
      }
    }
    long ratios = usable.stream().mapToDouble(f -> f.ratio).distinct().count();
    if (ratios < 2) {
      return notYet(
          experiment,
          budget,
          Reason.TOO_FEW_USABLE_RUNS,
          Reason.TOO_FEW_USABLE_RUNS.message()
              + " ("
              + usable.size()
              + " usable run(s) at "
              + ratios
              + " ratio(s) of "
              + sorted.size()
              + ")",
          epsilon,
          lambda,
          unit,
          usable.size(),
          estimates);
    }
    double tb = r.budgetUnits();
    // The curves across ratios are fitted from scratch every time (six points, cheap): a warm start
    // from the previous
    // estimate's curves can stay in a stale local optimum as the runs' values move.
    Point at = cmrAt(usable, tb, epsilon, null, null, true);
    Interpolation interpolation =
        new Interpolation(
            at.tol.method(),
            named(at.tol.law()),
            named(at.turn.law()),
            RunFit.finite(at.tol.ratio()),
            RunFit.finite(at.turn.ratio()),
            at.binding());
    double minR = usable.get(0).ratio;
    double maxR = usable.get(usable.size() - 1).ratio;
    boolean budgetExtrapolated = usable.stream().anyMatch(f -> f.estimate.extrapolation().budget());
    boolean t0Extrapolated =
        usable.stream().anyMatch(f -> f.estimate.extrapolation().criticalPoint());
    if (!(at.cmr > 0)) {
      return new ExperimentEstimate(
          ExperimentEstimate.SCHEMA,
          experiment,
          budget,
          Reason.NO_FEASIBLE_RATIO.code(),
          Reason.NO_FEASIBLE_RATIO.message() + " (" + at.describe() + ")",
          null,
          null,
          null,
          new Extrapolation(true, budgetExtrapolated, t0Extrapolated),
          null,
          epsilon,
          lambda,
          unit,
          usable.size(),
          interpolation,
          estimates);
    }
    if (!Double.isFinite(at.sd)) {
      return notYet(
          experiment,
          budget,
          Reason.INTERPOLATION_FAILED,
          "the CMR's uncertainty could not be computed (" + at.describe() + ")",
          epsilon,
          lambda,
          unit,
          usable.size(),
          estimates);
    }
    double low = Math.max(0.0, at.cmr - at.quantile * at.sd);
    double high = Math.min(1.0, at.cmr + at.quantile * at.sd);
    CmrLaw law =
        keepLaw && lawCarriesOver(previous, budget, epsilon, lambda, unit)
            ? previous.cmrLaw()
            : cmrLaw(usable, tb, epsilon, at, previous == null ? null : previous.cmrLaw(), unit);
    boolean ratioExtrapolated = at.cmr < minR || (at.cmr > maxR && !(at.cmr >= 1.0 && maxR >= 1.0));
    return new ExperimentEstimate(
        ExperimentEstimate.SCHEMA,
        experiment,
        budget,
        "ok",
        String.format(
            Locale.ROOT,
            "CMR %.4f [%.4f, %.4f] from %d runs; %s",
            at.cmr,
            low,
            high,
            usable.size(),
            at.describe()),
        at.cmr,
        low,
        high,
        new Extrapolation(ratioExtrapolated, budgetExtrapolated, t0Extrapolated),
        law,
        epsilon,
        lambda,
        unit,
        usable.size(),
        interpolation,
        estimates);
  }

  // A previous estimate's law still answers the same question: it was estimated (a law, or none
  // possible) for the same
  // budget and settings.
  private static boolean lawCarriesOver(
      ExperimentEstimate previous, long budget, double epsilon, double lambda, double unit) {
    return previous != null
        && previous.ok()
        && previous.budgetTokens() != null
        && previous.budgetTokens() == budget
        && previous.epsilon() == epsilon
        && previous.lambda() == lambda
        && previous.tokenUnit() == unit;
  }

  /**
   * The CMR at budget tb (token units) from the usable runs, with its standard deviation when
   * asked.
   */
  private Point cmrAt(
      List<RunFit> runs,
      double tb,
      double epsilon,
      Law warmTol,
      Law warmTurn,
      boolean uncertainty) {
    int n = runs.size();
    double[] r = new double[n];
    double[] yTol = new double[n];
    double[] vTol = new double[n];
    double[] yTurn = new double[n];
    double[] vTurn = new double[n];
    for (int k = 0; k < n; k++) {
      RunFit f = runs.get(k);
      r[k] = f.ratio;
      double[] g = f.generalAt(tb);
      yTol[k] = g[0];
      vTol[k] = g[1];
      double[] m = f.slopeAt(tb);
      yTurn[k] =
          m[0]; // the turn-over margin T·dF/dT/λ at tb: ≤ 0 once the objective has turned over
      vTurn[k] = m[1];
    }
    Crossing tol =
        RatioCurve.solve(r, yTol, vTol, epsilon, TAU * epsilon, false, warmTol, settings.fit());
    Crossing turn =
        RatioCurve.solve(r, yTurn, vTurn, 0.0, TAU * epsilon, false, warmTurn, settings.fit());
    double cmr = Math.min(1.0, Math.min(tol.ratio(), turn.ratio()));
    double sd = Double.NaN;
    double quantile = Z90;
    if (uncertainty) {
      double var = 0;
      for (int k = 0; k < n; k++) {
        var += sensitivity(r, yTol, vTol, k, epsilon, TAU * epsilon, tol, turn.ratio());
        var += sensitivity(r, yTurn, vTurn, k, 0.0, TAU * epsilon, turn, tol.ratio());
      }
      Crossing binding = tol.ratio() <= turn.ratio() ? tol : turn;
      if (binding.chi2() > 1) {
        var *= binding.chi2();
      }
      // Interpolation model error: how far the linear crossing of the same runs lies from the
      // ratio-law crossing.
      double linear = Math.min(1.0, Math.min(tol.linearRatio(), turn.linearRatio()));
      if (Double.isFinite(linear) && Double.isFinite(cmr)) {
        var += (linear - cmr) * (linear - cmr);
      }
      sd = Math.sqrt(var);
      // The across-ratio fit estimates its own scale from m − 3 degrees of freedom: Student's t,
      // not the normal z.
      if (binding.law() != null && n > 3) {
        quantile = new TDistribution(n - 3).inverseCumulativeProbability(0.95);
      }
    }
    return new Point(cmr, sd, quantile, tol, turn);
  }

  // (ΔCMR)² for run k's value of one constraint moved by ± one standard deviation; the other
  // constraint held fixed,
  // and the across-ratio exponent s held at its fitted value (α and β re-solved in closed form).
  private static double sensitivity(
      double[] r,
      double[] y,
      double[] v,
      int k,
      double target,
      double tau,
      Crossing base,
      double otherRatio) {
    if (!Double.isFinite(y[k])) {
      return 0;
    }
    double sdk = Double.isFinite(v[k]) ? Math.sqrt(v[k]) : Math.abs(y[k]);
    if (sdk == 0) {
      return 0;
    }
    double[] up = y.clone();
    double[] down = y.clone();
    up[k] += sdk;
    down[k] -= sdk;
    double ru = RatioCurve.resolveFixedExponent(base, r, up, v, target, tau, false);
    double rd = RatioCurve.resolveFixedExponent(base, r, down, v, target, tau, false);
    double cu = Math.min(1.0, Math.min(ru, otherRatio));
    double cd = Math.min(1.0, Math.min(rd, otherRatio));
    double d = 0.5 * (cu - cd);
    return d * d;
  }

  /** The CMR law R_CMR(T) = a4·T^s4 + b3 over log-spaced budgets from T_max/4 to T_max. */
  private CmrLaw cmrLaw(
      List<RunFit> runs, double tb, double epsilon, Point at, CmrLaw previous, double unit) {
    int g = settings.budgetGrid();
    if (g == 0) {
      return null;
    }
    double[] t = new double[g];
    double[] c = new double[g];
    int m = 0;
    for (int j = 0; j < g; j++) {
      double tj = tb * Math.pow(0.25, 1.0 - (double) j / (g - 1));
      Point p = j == g - 1 ? at : cmrAt(runs, tj, epsilon, at.tol.law(), at.turn.law(), false);
      if (p.cmr > 0 && p.cmr < 1) {
        t[m] = tj;
        c[m] = p.cmr;
        m++;
      }
    }
    if (m < 3) {
      return null;
    }
    double[] x = java.util.Arrays.copyOf(t, m);
    double[] y = java.util.Arrays.copyOf(c, m);
    Law warm =
        previous == null ? null : Law.of(LawForm.CMR, previous.a4(), previous.s4(), previous.b3());
    FitResult f = null;
    if (warm != null && warm.parameter(0) * warm.parameter(1) > 0) {
      f = RobustFitter.refit(LawForm.CMR, x, y, null, warm, settings.fit());
    }
    if (f == null || !f.ok()) {
      f = RobustFitter.fit(LawForm.CMR, x, y, null, settings.fit());
    }
    if (!f.ok()) {
      return null;
    }
    double[] p = f.law().parameters();
    return new CmrLaw(
        p[0], p[1], p[2], m, x[0] * unit, x[m - 1] * unit, RunFit.finite(f.stats().rmse()));
  }

  // The summary's content hash (kept by the summary while it is unchanged), then FNV-1a over the
  // resolved settings.
  private static long contentHash(RunSummary s, Resolved r) {
    long h = s.contentHash();
    for (double v : new double[] {r.epsilon(), r.lambda(), r.tokenUnit(), r.budgetTokens()}) {
      h = (h ^ Double.doubleToLongBits(v)) * 0x100000001b3L;
    }
    return h;
  }

  /**
   * A run's last few fits by summary hash, newest first: a stream fits a run's newer summary while
   * an analysis of the experiment still holds the one before, so one entry per run would rarely
   * match. Immutable; replaced on change.
   */
  private record Memo(long[] hashes, RunFit[] fits) {
    static final int DEPTH = 3;

    RunFit find(long hash) {
      for (int i = 0; i < hashes.length; i++) {
        if (hashes[i] == hash) {
          return fits[i];
        }
      }
      return null;
    }

    static Memo with(Memo old, long hash, RunFit fit) {
      int keep = old == null ? 0 : Math.min(old.hashes.length, DEPTH - 1);
      long[] h = new long[keep + 1];
      RunFit[] f = new RunFit[keep + 1];
      h[0] = hash;
      f[0] = fit;
      if (keep > 0) {
        System.arraycopy(old.hashes, 0, h, 1, keep);
        System.arraycopy(old.fits, 0, f, 1, keep);
      }
      return new Memo(h, f);
    }
  }

  private static Map<String, Double> named(Law law) {
    return law == null ? null : law.named();
  }

  private ExperimentEstimate notYet(
      String experiment,
      Long budget,
      Reason reason,
      String message,
      double epsilon,
      double lambda,
      double unit,
      int usable,
      List<RunEstimate> runs) {
    return new ExperimentEstimate(
        ExperimentEstimate.SCHEMA,
        experiment,
        budget,
        reason.code(),
        message,
        null,
        null,
        null,
        null,
        null,
        epsilon,
        lambda,
        unit,
        usable,
        null,
        runs);
  }

  private static double pick(
      Double override,
      List<RunSummary> runs,
      java.util.function.Function<RunSummary, Double> reported,
      double dflt) {
    if (override != null) {
      return override;
    }
    Double v = pickOrNull(runs, reported);
    return v == null ? dflt : v;
  }

  // The value reported by the run with the latest event (ties: the larger value), so the choice is
  // deterministic.
  private static Double pickOrNull(
      List<RunSummary> runs, java.util.function.Function<RunSummary, Double> reported) {
    Double best = null;
    long bestTokens = Long.MIN_VALUE;
    for (RunSummary s : runs) {
      Double v = reported.apply(s);
      if (v == null) {
        continue;
      }
      if (best == null
          || s.latestTokens() > bestTokens
          || (s.latestTokens() == bestTokens && v > best)) {
        best = v;
        bestTokens = s.latestTokens();
      }
    }
    return best;
  }

  /** The CMR at one budget with the two crossings it came from. */
  private record Point(double cmr, double sd, double quantile, Crossing tol, Crossing turn) {
    String binding() {
      return tol.ratio() <= turn.ratio() ? "tolerance" : "critical_point";
    }

    String describe() {
      return String.format(
          Locale.ROOT,
          "dGen(T_max) ≤ ε up to R=%.4f (%s), T0 ≤ T_max up to R=%.4f (%s)",
          tol.ratio(),
          tol.method(),
          turn.ratio(),
          turn.method());
    }
  }
}
