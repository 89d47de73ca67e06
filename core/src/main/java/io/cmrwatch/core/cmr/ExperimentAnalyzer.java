package io.cmrwatch.core.cmr;

import io.cmrwatch.core.cmr.ExperimentEstimate.CmrLaw;
import io.cmrwatch.core.cmr.ExperimentEstimate.Extrapolation;
import io.cmrwatch.core.cmr.ExperimentEstimate.Interpolation;
import io.cmrwatch.core.cmr.RunEstimate.FitQuality;
import io.cmrwatch.core.cmr.RunEstimate.RunExtrapolation;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.RunSummary;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The entry point of the method: from the run summaries of one experiment (and optionally its
 * previous estimate, for warm starts) to an {@link ExperimentEstimate} — every run's laws, T0 and
 * feasibility, the CMR at the budget with its 90 % interval, the Cramér–Rao bound on that interval,
 * where to train next, and the CMR law over budgets. Thread-safe.
 *
 * <p>The method (docs/method.md): each run's domain law is fitted alone ({@link RunDomain}); the
 * general laws of all runs are fitted together, partially pooled across ratios ({@link
 * JointGeneral}); the CMR is read across ratios from the joint parameters ({@link AcrossRatios});
 * its interval is the 5–95 % range of the CMR over draws from the joint fit's Laplace posterior
 * ({@link JointPosterior}), never narrower than the Cramér–Rao bound.
 *
 * <p>Warm analyses (a previous estimate given) refit from the previous laws; a cold multi-start fit
 * also runs whenever a run's tokens have grown by a quarter since its last cold fit, and replaces
 * the warm solution only when it is clearly better, so the estimate does not jump between optima of
 * equal merit. An analysis of unchanged summaries reuses the last fit (a bounded memo).
 */
public final class ExperimentAnalyzer {

  /** Reading a law up to 5 % beyond the last evaluation is not flagged as extrapolation. */
  static final double EXTRAPOLATION_SLACK = 1.05;

  /** Growth of a run's tokens since its last cold fit that triggers the next cold fit. */
  static final double COLD_GROWTH = 1.25;

  /** A cold fit replaces the warm one only when its objective is lower by this much. */
  static final double SWITCH_MARGIN = 2.0;

  /**
   * A warm analysis keeps the previous CMR while the new one lies within this fraction of its 90 %
   * half-width of it: successive estimates differ by their noise, and a number that does not twitch
   * with every event is easier to act on. It costs at most this fraction of a half-width of
   * accuracy, and a cold analysis is unaffected.
   */
  static final double STEADY_BAND = 0.5;

  /** z of the constraint band (see {@link #estimate}): 1.645/√2. */
  static final double BAND_Z = 1.6448536269514722 / Math.sqrt(2);

  /** z of a two-sided 90 % normal interval. */
  static final double Z90 = 1.6448536269514722;

  /** Experiments whose last fit is remembered; the memo is cleared when it grows past this. */
  static final int MEMO_LIMIT = 20_000;

  private static final int COLD_CYCLES = 4;
  private static final int WARM_CYCLES = 2;

  private final CmrSettings settings;
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
   * for a cold one).
   */
  public ExperimentEstimate analyze(
      String experiment, Collection<RunSummary> runs, ExperimentEstimate previous) {
    return analyze(experiment, runs, previous, false);
  }

  /**
   * As {@link #analyze(String, Collection, ExperimentEstimate)}; with {@code deferCold}, the
   * periodic cold fit is skipped and happens on the next analysis without it (for a caller short of
   * time).
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
   * CMR law of {@code previous} is carried over instead of refitted when {@code previous} is an
   * {@code ok} estimate for the same budget, ε, λ and token unit.
   */
  public ExperimentEstimate analyze(
      String experiment,
      Collection<RunSummary> runs,
      ExperimentEstimate previous,
      boolean deferCold,
      boolean keepLaw) {
    Context c = context(experiment, runs, previous, deferCold);
    if (c.early != null) {
      return c.early;
    }
    return estimate(c, previous, keepLaw);
  }

  /**
   * The CMR at another budget (absolute tokens) from the same data, with its 90 % interval: what a
   * run of that length would allow. Warm from {@code current} (the experiment's latest estimate).
   */
  public BudgetPlan cmrAtBudget(
      String experiment,
      Collection<RunSummary> runs,
      ExperimentEstimate current,
      long budgetTokens) {
    if (budgetTokens <= 0) {
      throw new IllegalArgumentException("budget must be > 0 tokens, got " + budgetTokens);
    }
    Context c = context(experiment, runs, current, true);
    ExperimentEstimate why = c.early != null ? c.early : c.tooFewRatios();
    if (why != null) {
      return new BudgetPlan(why.status(), why.message(), budgetTokens, null, null, null, false);
    }
    double x = budgetTokens / (double) c.resolved.budgetTokens();
    double[] dom = c.domainAt(x);
    JointUncertainty u = c.uncertainty();
    double point = u.solve(c.across, x, dom).cmr();
    double sd = u.cmrSd(c.across, x, dom, c.domainSdAt(x));
    // As at the budget: the disagreement of parameter and constraint interpolation across ratios.
    double other =
        JointUncertainty.cmrAt(
            new AcrossRatios(
                c.joint.model.z, c.zShift, c.resolved.epsilon(), c.resolved.lambda(), true),
            x,
            c.joint.fit.theta(),
            dom);
    if (Double.isFinite(other)) {
      sd = Math.sqrt(sd * sd + (other - point) * (other - point));
    }
    double half = Double.isFinite(sd) ? Z90 * sd : Double.POSITIVE_INFINITY;
    // A longer budget is read further from the data than the budget itself: never more certain
    // than the estimate at the budget (whose interval also carries the constraint band and the
    // Cramér–Rao bound).
    if (x >= 1 && current != null && current.ok() && current.cmrLow() != null) {
      half = Math.max(half, 0.5 * (current.cmrHigh() - current.cmrLow()));
    }
    double low = Math.max(0, point - half);
    double high = Math.min(1, point + half);
    boolean extrapolated = x > c.maxObservedShare() * EXTRAPOLATION_SLACK;
    return new BudgetPlan(
        "ok",
        String.format(
            Locale.ROOT,
            "CMR %.4f [%.4f, %.4f] at %.4g tokens%s",
            point,
            low,
            high,
            (double) budgetTokens,
            extrapolated ? " (beyond the observed tokens: extrapolated)" : ""),
        budgetTokens,
        point,
        low,
        high,
        extrapolated);
  }

  /**
   * The smallest budget (absolute tokens) at which domain share {@code ratio} becomes feasible,
   * with its 90 % interval (null ends when the draws do not bound it).
   */
  public RatioPlan budgetForRatio(
      String experiment, Collection<RunSummary> runs, ExperimentEstimate current, double ratio) {
    if (!(ratio > 0 && ratio <= 1)) {
      throw new IllegalArgumentException("ratio must be in (0, 1], got " + ratio);
    }
    Context c = context(experiment, runs, current, true);
    ExperimentEstimate why = c.early != null ? c.early : c.tooFewRatios();
    if (why != null) {
      return new RatioPlan(why.status(), why.message(), ratio, null, null, null);
    }
    double tb = c.resolved.budgetTokens();
    // Budget shares from 1/100 to 100× the budget, 24 per decade.
    double[] xs = new double[97];
    double[][] dom = new double[xs.length][];
    for (int i = 0; i < xs.length; i++) {
      xs[i] = Math.pow(10, -2 + i / 24.0);
      dom[i] = c.domainAt(xs[i]);
    }
    JointUncertainty u = c.uncertainty();
    double zr = Math.log(ratio) - c.zShift;
    double point = JointUncertainty.budgetFor(c.across, zr, xs, dom, u.theta());
    double sd = Double.isFinite(point) ? u.logBudgetSd(c.across, zr, xs, dom) : Double.NaN;
    // As for the CMR: the disagreement of parameter and constraint interpolation across ratios.
    double other =
        Double.isFinite(point)
            ? JointUncertainty.budgetFor(
                new AcrossRatios(
                    c.joint.model.z, c.zShift, c.resolved.epsilon(), c.resolved.lambda(), true),
                zr,
                xs,
                dom,
                u.theta())
            : Double.NaN;
    if (Double.isFinite(sd) && Double.isFinite(other) && other > 0) {
      double gap = Math.log(other / point);
      sd = Math.sqrt(sd * sd + gap * gap);
    }
    Double tokens = Double.isFinite(point) ? point * tb : null;
    Double low = tokens != null && Double.isFinite(sd) ? tokens * Math.exp(-Z90 * sd) : null;
    Double high = tokens != null && Double.isFinite(sd) ? tokens * Math.exp(Z90 * sd) : null;
    String message =
        tokens == null
            ? String.format(
                Locale.ROOT,
                "R=%.4f does not become feasible within %.0f× the budget",
                ratio,
                xs[xs.length - 1])
            : String.format(Locale.ROOT, "R=%.4f becomes feasible at %.4g tokens", ratio, tokens);
    return new RatioPlan(
        tokens == null ? Reason.NO_FEASIBLE_BUDGET.code() : "ok",
        message,
        ratio,
        tokens,
        low,
        high);
  }

  // Everything an estimate or a plan needs: settings, run fits, the joint fit, the posterior.
  private Context context(
      String experiment,
      Collection<RunSummary> runs,
      ExperimentEstimate previous,
      boolean deferCold) {
    List<RunSummary> sorted = new ArrayList<>(runs);
    sorted.sort(Comparator.comparingDouble(RunSummary::ratio).thenComparing(RunSummary::run));
    for (RunSummary s : sorted) {
      if (!s.experiment().equals(experiment)) {
        throw new IllegalArgumentException(
            "run " + s.run() + " belongs to experiment " + s.experiment() + ", not " + experiment);
      }
    }
    Context c = new Context(experiment);
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
    c.epsilon = epsilon;
    c.lambda = lambda;
    c.unit = unit;
    if (sorted.isEmpty()) {
      c.early =
          notYet(
              experiment,
              budget,
              Reason.NO_RUNS,
              Reason.NO_RUNS.message(),
              epsilon,
              lambda,
              unit,
              0,
              List.of());
      return c;
    }
    if (budget == null) {
      List<RunEstimate> plain = new ArrayList<>();
      for (RunSummary s : sorted) {
        plain.add(
            failedEstimate(RunDomain.failed(s, Reason.NO_BUDGET, Reason.NO_BUDGET.message())));
      }
      c.early =
          notYet(
              experiment,
              null,
              Reason.NO_BUDGET,
              Reason.NO_BUDGET.message(),
              epsilon,
              lambda,
              unit,
              0,
              plain);
      return c;
    }
    c.resolved = new Resolved(epsilon, lambda, unit, budget);
    Map<String, RunEstimate> prevRuns = new HashMap<>();
    if (previous != null && previous.runs() != null) {
      for (RunEstimate e : previous.runs()) {
        prevRuns.put(e.run(), e);
      }
    }
    // A cold fit is due for the experiment when any run grew by COLD_GROWTH since its last one.
    boolean coldDue = previous == null;
    if (!coldDue && !deferCold) {
      for (RunSummary s : sorted) {
        RunEstimate p = prevRuns.get(s.run());
        if (!s.isEmpty()
            && (p == null
                || !p.ok()
                || p.coldFitTokens() == null
                || s.maxFitTokens() > COLD_GROWTH * p.coldFitTokens())) {
          coldDue = true;
          break;
        }
      }
    }
    long hash = settingsHash(c.resolved);
    List<RunDomain> all = new ArrayList<>();
    for (RunSummary s : sorted) {
      hash = (hash ^ s.contentHash()) * 0x100000001b3L;
      hash = (hash ^ s.run().hashCode()) * 0x100000001b3L;
    }
    Memo m = previous == null ? null : memo.get(experiment);
    if (m != null && m.hash == hash) {
      c.runsAll = m.runs;
      c.joint = m.joint;
      c.prepare();
      return c;
    }
    for (RunSummary s : sorted) {
      // A run whose summary is unchanged since the last analysis keeps its domain fit.
      RunDomain same = null;
      if (m != null) {
        for (RunDomain d : m.runs) {
          if (d.summary().run().equals(s.run()) && d.contentHash() == s.contentHash()) {
            same = d;
            break;
          }
        }
      }
      all.add(
          same != null
              ? same
              : RunDomain.of(
                  s,
                  unit,
                  prevRuns.get(s.run()),
                  coldDue,
                  settings.fit(),
                  settings.minPoints(),
                  settings.minSpanOctaves()));
    }
    c.runsAll = all;
    List<RunDomain> usable = all.stream().filter(RunDomain::ok).toList();
    if (usable.isEmpty()) {
      List<RunEstimate> est = all.stream().map(ExperimentAnalyzer::failedEstimate).toList();
      c.early =
          notYet(
              experiment,
              budget,
              Reason.TOO_FEW_USABLE_RUNS,
              Reason.TOO_FEW_USABLE_RUNS.message() + " (0 usable runs of " + sorted.size() + ")",
              epsilon,
              lambda,
              unit,
              0,
              est);
      return c;
    }
    c.joint = jointFit(usable, c.resolved, prevRuns, coldDue, m == null ? null : m.joint);
    if (memo.size() > MEMO_LIMIT) {
      memo.clear();
    }
    memo.put(experiment, new Memo(hash, all, c.joint));
    c.prepare();
    return c;
  }

  private ExperimentEstimate estimate(Context c, ExperimentEstimate previous, boolean keepLaw) {
    Joint j = c.joint;
    JointUncertainty u = c.uncertainty();
    List<RunEstimate> estimates = new ArrayList<>();
    for (RunDomain d : c.runsAll) {
      estimates.add(d.ok() ? runEstimate(c, d, u) : failedEstimate(d));
    }
    int usable = j.runs.size();
    String experiment = c.experiment;
    Resolved r = c.resolved;
    if (j.model.m < 2) {
      return notYet(
          experiment,
          r.budgetTokens(),
          Reason.TOO_FEW_USABLE_RUNS,
          Reason.TOO_FEW_USABLE_RUNS.message()
              + " ("
              + usable
              + " usable run(s) at "
              + j.model.m
              + " ratio(s) of "
              + c.runsAll.size()
              + ")",
          r.epsilon(),
          r.lambda(),
          r.tokenUnit(),
          usable,
          estimates);
    }
    double[] dom = c.domainAt(1);
    AcrossRatios.Solution at = u.solve(c.across, 1.0, dom);
    double sd = u.cmrSd(c.across, 1.0, dom, c.domainSdAt(1));
    // Model uncertainty of the step across ratios: the crossing read by interpolating the
    // constraints instead of the parameters between the bracketing runs.
    double other =
        JointUncertainty.cmrAt(
            new AcrossRatios(j.model.z, c.zShift, r.epsilon(), r.lambda(), true),
            1.0,
            j.fit.theta(),
            dom);
    sd = Math.sqrt(sd * sd + (other - at.cmr()) * (other - at.cmr()));
    double minR = j.runs.get(0).ratio();
    double maxR = j.runs.get(usable - 1).ratio();
    boolean budgetExtrapolated =
        estimates.stream().anyMatch(e -> e.ok() && e.extrapolation().budget());
    boolean t0Extrapolated =
        estimates.stream().anyMatch(e -> e.ok() && e.extrapolation().criticalPoint());
    Map<String, Double> exponents = new LinkedHashMap<>();
    exponents.put("s2", JointGeneral.s2(j.fit.theta()));
    exponents.put("s3", JointGeneral.s2(j.fit.theta()) + JointGeneral.d(j.fit.theta()));
    Interpolation interpolation =
        new Interpolation(
            "joint", null, null, at.tolerance(), at.turnOver(), at.binding(), exponents);
    if (!(at.cmr() > 0)) {
      return new ExperimentEstimate(
          ExperimentEstimate.SCHEMA,
          experiment,
          r.budgetTokens(),
          Reason.NO_FEASIBLE_RATIO.code(),
          Reason.NO_FEASIBLE_RATIO.message() + " (" + describe(at) + ")",
          null,
          null,
          null,
          new Extrapolation(true, budgetExtrapolated, t0Extrapolated),
          null,
          r.epsilon(),
          r.lambda(),
          r.tokenUnit(),
          usable,
          interpolation,
          estimates);
    }
    double cmr = at.cmr();
    // Never narrower than the Cramér–Rao bound of the data at hand.
    double[] domSd = c.domainSdAt(1);
    Planning planning =
        new Planning(j.model, j.fit, c.zShift, r.epsilon(), r.lambda(), dom, domSd, cmr);
    double bound = Z90 * planning.cramerRao();
    double half = Double.isFinite(sd) ? Z90 * sd : Double.POSITIVE_INFINITY;
    if (Double.isFinite(bound) && half < bound) {
      half = bound;
    }
    // A steady number: the estimate holds still while the new one stays within a fraction of its
    // half-width of the previous estimate (its interval still centred on the new one).
    double held = cmr;
    if (previous != null && previous.ok() && previous.cmr() != null && Double.isFinite(half)) {
      double band = STEADY_BAND * half;
      if (Math.abs(previous.cmr() - cmr) <= band) {
        held = previous.cmr();
      }
    }
    double low = Math.max(0, cmr - half);
    double high = Math.min(1, cmr + half);
    // The constraint band: the CMR with every ratio's constraints moved together by z·sd. The
    // crossing is read between two bracketing ratios whose errors are independent, so moving both
    // by z = 1.645/√2 moves their mean by 1.645 of its own standard deviations: a 90 % band. Where
    // it reaches further than the tangent interval (at R = 1, where a tangent is flat, or where the
    // constraints are far from linear in the parameters) the interval takes it in.
    double[] band = u.constraintSds(dom, c.domainSdAt(1));
    for (int i = 0; i < band.length; i++) {
      c.across.shifts[i] = BAND_Z * band[i];
    }
    double bandLow = JointUncertainty.cmrAt(c.across, 1.0, j.fit.theta(), dom);
    for (int i = 0; i < band.length; i++) {
      c.across.shifts[i] = -BAND_Z * band[i];
    }
    double bandHigh = JointUncertainty.cmrAt(c.across, 1.0, j.fit.theta(), dom);
    java.util.Arrays.fill(c.across.shifts, 0);
    low = Math.min(low, bandLow);
    high = Math.max(high, bandHigh);
    cmr = held;
    // Where to train next, and which run to evaluate more often: the expected width scales the
    // reported one by the ratio of the linearised standard deviations with and without the data.
    Planning.Option next = null;
    Planning.Option denser = null;
    double linear = Double.isFinite(half) ? planning.currentSd() : Double.NaN;
    if (linear > 0) {
      next = planning.nextRatio(low, high);
      denser = planning.denserRun();
    }
    double scale = linear > 0 ? 2 * half / linear : Double.NaN;
    CmrLaw law =
        keepLaw && lawCarriesOver(previous, r)
            ? previous.cmrLaw()
            : cmrLaw(c, u, previous == null ? null : previous.cmrLaw());
    boolean ratioExtrapolated = cmr < minR || (cmr > maxR && !(cmr >= 1.0 && maxR >= 1.0));
    return new ExperimentEstimate(
        ExperimentEstimate.SCHEMA,
        experiment,
        r.budgetTokens(),
        "ok",
        String.format(
            Locale.ROOT,
            "CMR %.4f [%.4f, %.4f] from %d runs; %s",
            cmr,
            low,
            high,
            usable,
            describe(at)),
        cmr,
        low,
        high,
        new Extrapolation(ratioExtrapolated, budgetExtrapolated, t0Extrapolated),
        law,
        r.epsilon(),
        r.lambda(),
        r.tokenUnit(),
        usable,
        interpolation,
        estimates,
        finite(bound),
        next == null ? null : next.ratio(),
        next == null ? null : finite(Math.min(1, next.sd() * scale)),
        denser == null ? null : j.runs.get(denser.run()).summary().run(),
        denser == null ? null : finite(Math.min(1, denser.sd() * scale)));
  }

  private static String describe(AcrossRatios.Solution at) {
    return String.format(
        Locale.ROOT,
        "dGen(T_max) ≤ ε up to R=%.4f, T0 ≤ T_max up to R=%.4f (joint fit)",
        at.tolerance(),
        at.turnOver());
  }

  // The joint general fit: warm from the previous laws when there are any, cold when due (and then
  // kept only when clearly better than the warm one).
  private Joint jointFit(
      List<RunDomain> usable,
      Resolved r,
      Map<String, RunEstimate> prevRuns,
      boolean coldDue,
      Joint last) {
    double tb = r.budgetUnits();
    // Distinct ratios in increasing order; runs at the same ratio share their parameters.
    List<Double> ratios = new ArrayList<>();
    int[] group = new int[usable.size()];
    for (int i = 0; i < usable.size(); i++) {
      double ratio = usable.get(i).ratio();
      if (ratios.isEmpty() || ratios.get(ratios.size() - 1) != ratio) {
        ratios.add(ratio);
      }
      group[i] = ratios.size() - 1;
    }
    double zShift = 0;
    for (double ratio : ratios) {
      zShift += Math.log(ratio);
    }
    zShift /= ratios.size();
    double[] z = new double[ratios.size()];
    for (int k = 0; k < z.length; k++) {
      z[k] = Math.log(ratios.get(k)) - zShift;
    }
    double[][] x = new double[usable.size()][];
    double[][] y = new double[usable.size()][];
    double[][] w = new double[usable.size()][];
    for (int i = 0; i < usable.size(); i++) {
      RunDomain d = usable.get(i);
      x[i] = new double[d.x().length];
      for (int j = 0; j < x[i].length; j++) {
        x[i][j] = d.x()[j] / tb;
      }
      y[i] = d.points().generalIncrease();
      w[i] = d.points().weights();
    }
    JointGeneral model = new JointGeneral(z, group, x, y, w);
    JointGeneral.Fit warm;
    if (last != null && sameRuns(last, usable, z)) {
      // The last fit of these same runs and ratios: its parameters and noise scales are the
      // closest start there is, and one round of the optimiser follows the new data.
      warm = model.fit(last.fit().theta(), 1, last.fit().noise());
    } else {
      double[] warmStart = warmStart(model, usable, group, prevRuns, tb);
      warm = warmStart == null ? null : model.fit(warmStart, WARM_CYCLES);
    }
    JointGeneral.Fit fit = warm;
    boolean cold = false;
    if (warm == null || !warm.converged() || coldDue) {
      JointGeneral.Fit c = model.fit(model.coldStart(), COLD_CYCLES);
      if (fit == null
          || !fit.converged()
          || (c.converged()
              && model.objective(c.theta(), warm.noise()) + SWITCH_MARGIN
                  < model.objective(warm.theta(), warm.noise()))) {
        fit = c;
      }
      cold = true;
    }
    long[] coldTokens = new long[usable.size()];
    for (int i = 0; i < usable.size(); i++) {
      RunEstimate p = prevRuns.get(usable.get(i).summary().run());
      coldTokens[i] =
          cold || p == null || p.coldFitTokens() == null
              ? usable.get(i).summary().maxFitTokens()
              : p.coldFitTokens();
    }
    return new Joint(model, fit, usable, group, zShift, coldTokens, cold);
  }

  // The same usable runs, in the same order, at the same ratios as the last fit's.
  private static boolean sameRuns(Joint last, List<RunDomain> usable, double[] z) {
    if (last.runs().size() != usable.size() || !Arrays.equals(last.model().z, z)) {
      return false;
    }
    for (int i = 0; i < usable.size(); i++) {
      if (!last.runs().get(i).summary().run().equals(usable.get(i).summary().run())) {
        return false;
      }
    }
    return true;
  }

  // θ from the previous estimate's general laws (shared exponents, each ratio's α and π); ratios
  // without a previous law get amplitudes by least squares. Null when nothing can be reused.
  private static double[] warmStart(
      JointGeneral model,
      List<RunDomain> usable,
      int[] group,
      Map<String, RunEstimate> prevRuns,
      double tb) {
    double[] theta = new double[model.parameters()];
    boolean[] set = new boolean[model.m];
    double s2 = Double.NaN;
    double s3 = Double.NaN;
    for (int i = 0; i < usable.size(); i++) {
      RunEstimate p = prevRuns.get(usable.get(i).summary().run());
      if (p == null || !p.ok() || p.ratio() != usable.get(i).ratio()) {
        continue;
      }
      Law g = Law.fromNamed(LawForm.GENERAL, p.generalLaw());
      if (g == null) {
        continue;
      }
      double ps2 = g.parameter(1);
      double ps3 = g.parameter(3);
      double a2 = g.parameter(0);
      double a3 = g.parameter(2);
      if (!(a2 > 0) || !(ps3 > ps2)) {
        continue;
      }
      s2 = ps2;
      s3 = ps3;
      int k = group[i];
      if (set[k]) {
        continue;
      }
      double amp = a2 * Math.pow(tb, ps2);
      double d = ps3 - ps2;
      // a3 = −A·(s2/s3)·p^(−d)/T_b^s3 ⇒ p^(−d) = −a3·T_b^s3·s3/(A·s2).
      double ratio = -a3 * Math.pow(tb, ps3) * ps3 / (amp * ps2);
      double pi = ratio > 0 ? -Math.log(ratio) / d : Math.log(1e4);
      theta[JointGeneral.alpha(k)] = Math.log(amp);
      theta[JointGeneral.pi(k)] = Math.max(Math.min(pi, Math.log(1e4)), Math.log(1e-4));
      set[k] = true;
    }
    if (Double.isNaN(s2)) {
      return null;
    }
    double d = s3 - s2;
    theta[0] = JointGeneral.rawS2(s2);
    theta[1] = JointGeneral.rawD(d);
    for (int k = 0; k < model.m; k++) {
      if (!set[k]) {
        model.amplitudes(k, JointGeneral.s2(theta), JointGeneral.d(theta), theta);
      }
    }
    return theta;
  }

  private RunEstimate runEstimate(Context c, RunDomain d, JointUncertainty post) {
    Joint j = c.joint;
    Resolved r = c.resolved;
    int i = j.runs.indexOf(d);
    int k = j.group[i];
    double[] theta = j.fit.theta();
    double tb = r.budgetUnits();
    double s2 = JointGeneral.s2(theta);
    double dd = JointGeneral.d(theta);
    double s3 = s2 + dd;
    double amp = Math.exp(theta[JointGeneral.alpha(k)]);
    double pk = Math.exp(theta[JointGeneral.pi(k)]);
    double a2 = amp / Math.pow(tb, s2);
    double a3 = -amp * (s2 / s3) * Math.pow(pk, -dd) / Math.pow(tb, s3);
    Law gen = Law.of(LawForm.GENERAL, a2, s2, a3, s3, 0.0);
    Law dom = d.domain();
    double maxObs = d.summary().maxFitTokens() / r.tokenUnit();
    double t0 =
        CriticalPoint.t0(dom, gen, r.lambda(), Feasibility.HORIZON_FACTOR * Math.max(tb, maxObs));
    double unit = r.tokenUnit();
    Double t0Tokens = null;
    Double t0Low = null;
    Double t0High = null;
    boolean turned = !Double.isInfinite(t0);
    if (turned) {
      t0Tokens = t0 * unit;
      if (t0 == 0) {
        t0Low = 0.0;
        t0High = 0.0;
      } else {
        double sl = post.logT0Sd(k, d, t0 / tb, tb);
        if (Double.isFinite(sl)) {
          t0Low = t0 * Math.exp(-Z90 * sl) * unit;
          double hi = t0 * Math.exp(Z90 * sl);
          t0High = Double.isFinite(hi) ? hi * unit : null;
        } else {
          t0Low = 0.0;
        }
      }
    }
    double g = gen.value(tb);
    double gSd = post.generalSd(k);
    double[] dslope = d.slopeTerm(tb);
    double[] prob = post.probabilities(k, dslope[0], Math.sqrt(dslope[1]));
    boolean feasible = t0 <= tb && g <= r.epsilon();
    FitQuality gq2 = quality(j, i, theta);
    FitResult fd = d.domainFit();
    String message = "fitted (joint " + (j.cold ? "cold" : "warm") + " fit)";
    return new RunEstimate(
        d.summary().run(),
        d.ratio(),
        "ok",
        message,
        d.points().size(),
        d.summary().events(),
        d.summary().maxFitTokens(),
        t0Tokens,
        t0Low,
        t0High,
        turned,
        feasible,
        finite(g),
        Double.isFinite(gSd) ? finite(g - Z90 * gSd) : null,
        Double.isFinite(gSd) ? finite(g + Z90 * gSd) : null,
        d.summary().latestTokens(),
        finite(d.summary().latestGeneralLossIncrease()),
        d.summary().ratioChanged(),
        d.summary().ratioChangeTokens(),
        dom.named(),
        gen.named(),
        new FitQuality(
            finite(fd.stats().rmse()), finite(fd.stats().r2()), fd.converged(), fd.message()),
        gq2,
        new RunExtrapolation(
            tb > maxObs * EXTRAPOLATION_SLACK, !(t0 <= maxObs * EXTRAPOLATION_SLACK)),
        j.coldTokens[i],
        finite(prob[0]),
        finite(prob[1]));
  }

  // RMS residual and R² of one run under the joint fit.
  private static FitQuality quality(Joint j, int run, double[] theta) {
    JointGeneral m = j.model;
    int k = j.group[run];
    double[] x = m.x[run];
    double[] y = m.y[run];
    double[] w = m.w[run];
    double sw = 0;
    double swy = 0;
    for (int i = 0; i < x.length; i++) {
      sw += w[i];
      swy += w[i] * y[i];
    }
    double mean = swy / sw;
    double ss = 0;
    double st = 0;
    for (int i = 0; i < x.length; i++) {
      double e = y[i] - JointGeneral.value(theta, k, x[i]);
      ss += w[i] * e * e;
      st += w[i] * (y[i] - mean) * (y[i] - mean);
    }
    return new FitQuality(
        finite(Math.sqrt(ss / sw)),
        st > 0 ? finite(1 - ss / st) : null,
        j.fit.converged(),
        j.cold ? "joint fit across runs (cold)" : "joint fit across runs (warm)");
  }

  /** The CMR law R_CMR(T) = a4·T^s4 + b3 over log-spaced budgets from T_max/4 to T_max. */
  private CmrLaw cmrLaw(Context c, JointUncertainty post, CmrLaw previous) {
    int g = settings.budgetGrid();
    if (g == 0) {
      return null;
    }
    double tb = c.resolved.budgetUnits();
    double[] t = new double[g];
    double[] v = new double[g];
    int m = 0;
    for (int j = 0; j < g; j++) {
      double x = Math.pow(0.25, 1.0 - (double) j / (g - 1));
      double cmr = post.solve(c.across, x, c.domainAt(x)).cmr();
      if (cmr > 0 && cmr < 1) {
        t[m] = x * tb;
        v[m] = cmr;
        m++;
      }
    }
    if (m < 3) {
      return null;
    }
    double[] xs = Arrays.copyOf(t, m);
    double[] ys = Arrays.copyOf(v, m);
    Law warm =
        previous == null ? null : Law.of(LawForm.CMR, previous.a4(), previous.s4(), previous.b3());
    FitResult f = null;
    if (warm != null && warm.parameter(0) * warm.parameter(1) > 0) {
      f = RobustFitter.refit(LawForm.CMR, xs, ys, null, warm, settings.fit());
    }
    if (f == null || !f.ok()) {
      f = RobustFitter.fit(LawForm.CMR, xs, ys, null, settings.fit());
    }
    if (!f.ok()) {
      return null;
    }
    double[] p = f.law().parameters();
    double unit = c.resolved.tokenUnit();
    return new CmrLaw(
        p[0], p[1], p[2], m, xs[0] * unit, xs[m - 1] * unit, finite(f.stats().rmse()));
  }

  private static boolean lawCarriesOver(ExperimentEstimate previous, Resolved r) {
    return previous != null
        && previous.ok()
        && previous.budgetTokens() != null
        && previous.budgetTokens() == r.budgetTokens()
        && previous.epsilon() == r.epsilon()
        && previous.lambda() == r.lambda()
        && previous.tokenUnit() == r.tokenUnit();
  }

  private static long settingsHash(Resolved r) {
    long h = 0xcbf29ce484222325L;
    for (double v : new double[] {r.epsilon(), r.lambda(), r.tokenUnit(), r.budgetTokens()}) {
      h = (h ^ Double.doubleToLongBits(v)) * 0x100000001b3L;
    }
    return h;
  }

  static RunEstimate failedEstimate(RunDomain d) {
    RunSummary s = d.summary();
    return new RunEstimate(
        s.run(),
        s.ratio(),
        d.reason().code(),
        d.message(),
        s.pointCount(),
        s.events(),
        s.isEmpty() ? null : s.maxFitTokens(),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        s.isEmpty() ? null : s.latestTokens(),
        finite(s.latestGeneralLossIncrease()),
        s.ratioChanged(),
        s.ratioChangeTokens(),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  private static ExperimentEstimate notYet(
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
      Double override, List<RunSummary> runs, Function<RunSummary, Double> reported, double dflt) {
    if (override != null) {
      return override;
    }
    Double v = pickOrNull(runs, reported);
    return v == null ? dflt : v;
  }

  // The value reported by the run with the latest event (ties: the larger value), so the choice is
  // deterministic.
  private static Double pickOrNull(List<RunSummary> runs, Function<RunSummary, Double> reported) {
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

  static Double finite(double v) {
    return Double.isFinite(v) ? v : null;
  }

  /** Settings resolved for one experiment: overrides, then what the runs report, then defaults. */
  record Resolved(double epsilon, double lambda, double tokenUnit, long budgetTokens) {
    double budgetUnits() {
      return budgetTokens / tokenUnit;
    }
  }

  /** The joint fit of an experiment's usable runs. */
  record Joint(
      JointGeneral model,
      JointGeneral.Fit fit,
      List<RunDomain> runs,
      int[] group,
      double zShift,
      long[] coldTokens,
      boolean cold) {}

  private record Memo(long hash, List<RunDomain> runs, Joint joint) {}

  /** One analysis in progress. */
  private static final class Context {
    final String experiment;
    ExperimentEstimate early;
    double epsilon;
    double lambda;
    double unit;
    Resolved resolved;
    List<RunDomain> runsAll;
    Joint joint;
    AcrossRatios across;
    double zShift;

    Context(String experiment) {
      this.experiment = experiment;
    }

    void prepare() {
      zShift = joint.zShift();
      if (joint.model().m >= 2) {
        across = new AcrossRatios(joint.model().z, zShift, resolved.epsilon(), resolved.lambda());
      }
    }

    double maxObservedShare() {
      double max = 0;
      for (RunDomain d : joint.runs()) {
        max = Math.max(max, d.summary().maxFitTokens() / (double) resolved.budgetTokens());
      }
      return max;
    }

    // Per ratio group, the mean domain term D = T·dDom/dT at budget share x.
    double[] domainAt(double x) {
      return domain(x, false);
    }

    double[] domainSdAt(double x) {
      return domain(x, true);
    }

    private double[] domain(double x, boolean sd) {
      int m = joint.model().m;
      double[] sum = new double[m];
      int[] n = new int[m];
      double t = x * resolved.budgetUnits();
      for (int i = 0; i < joint.runs().size(); i++) {
        double[] v = joint.runs().get(i).slopeTerm(t);
        int k = joint.group()[i];
        sum[k] += sd ? v[1] : v[0];
        n[k]++;
      }
      for (int k = 0; k < m; k++) {
        sum[k] = sd ? Math.sqrt(sum[k]) / n[k] : sum[k] / n[k];
      }
      return sum;
    }

    // The reason there is no CMR when the usable runs cover fewer than two ratios, else null.
    ExperimentEstimate tooFewRatios() {
      if (joint.model().m >= 2) {
        return null;
      }
      return notYet(
          experiment,
          resolved.budgetTokens(),
          Reason.TOO_FEW_USABLE_RUNS,
          Reason.TOO_FEW_USABLE_RUNS.message()
              + " ("
              + joint.runs().size()
              + " usable run(s) at "
              + joint.model().m
              + " ratio(s))",
          resolved.epsilon(),
          resolved.lambda(),
          resolved.tokenUnit(),
          joint.runs().size(),
          List.of());
    }

    JointUncertainty uncertainty() {
      return new JointUncertainty(
          joint.model(), joint.fit(), resolved.lambda(), resolved.epsilon());
    }
  }
}
