package io.cmrwatch.core.cmr;

import io.cmrwatch.core.cmr.RunEstimate.FitQuality;
import io.cmrwatch.core.cmr.RunEstimate.RunExtrapolation;
import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.CurvePoints;
import io.cmrwatch.core.summary.RunSummary;
import java.util.Map;

/**
 * One run's fitted laws and the quantities the method derives from them, with their delta-method
 * variances. Token quantities are in token units here; {@link #estimate()} converts to absolute
 * tokens.
 */
final class RunFit {

  /**
   * Reading a law up to 5 % beyond the last evaluation is not flagged as extrapolation (evaluations
   * rarely land exactly on the budget).
   */
  static final double EXTRAPOLATION_SLACK = 1.05;

  /** Growth of a run's tokens since its last cold fit that triggers the next cold fit. */
  static final double COLD_GROWTH = 1.25;

  /** z of a two-sided 90 % normal interval. */
  static final double Z90 = 1.6448536269514722;

  /**
   * Bounds of the general fit [a2, s2, a3, s3, b2]: a rising small-exponent term, a falling one, b2
   * = 0.
   */
  static final double[] GENERAL_LOWER = {0, 0.01, -10, 0.06, 0};

  static final double[] GENERAL_UPPER = {10, 1, 0, 2, 0};
  final double ratio;
  final Reason reason;
  final String message;
  final Law domain;
  final Law general;
  final double[][] domainCov;
  final double[][] generalCov;
  final double maxObserved;
  final double lambda;
  final double t0;
  final double t0Var;
  final double genAtBudget;
  final double genAtBudgetVar;
  final double endBias;
  final RunEstimate estimate;

  private RunFit(
      RunSummary summary,
      Reason reason,
      String message,
      Law domain,
      Law general,
      double[][] domainCov,
      double[][] generalCov,
      double maxObserved,
      double lambda,
      double t0,
      double t0Var,
      double genAtBudget,
      double genAtBudgetVar,
      double endBias,
      RunEstimate estimate) {
    this.ratio = summary.ratio();
    this.reason = reason;
    this.message = message;
    this.domain = domain;
    this.general = general;
    this.domainCov = domainCov;
    this.generalCov = generalCov;
    this.maxObserved = maxObserved;
    this.lambda = lambda;
    this.t0 = t0;
    this.t0Var = t0Var;
    this.genAtBudget = genAtBudget;
    this.genAtBudgetVar = genAtBudgetVar;
    this.endBias = endBias;
    this.estimate = estimate;
  }

  boolean ok() {
    return reason == null;
  }

  /**
   * Fits one run: guards, the two laws (warm from {@code previous} when it fits the same ratio,
   * unless {@code cold}), T0 and dGen(T_max) with their delta-method intervals.
   */
  static RunFit of(
      RunSummary s,
      Resolved r,
      RunEstimate previous,
      boolean cold,
      boolean deferCold,
      FitOptions options,
      int minPoints,
      double minSpanOctaves) {
    if (s.isEmpty() || s.pointCount() == 0) {
      return failed(s, Reason.NO_DATA, Reason.NO_DATA.message());
    }
    CurvePoints p = s.points();
    int n = p.size();
    if (n < minPoints) {
      return failed(
          s, Reason.TOO_FEW_POINTS, n + " curve points (token bins), " + minPoints + " needed");
    }
    double span = Math.log(p.tokens()[n - 1] / p.tokens()[0]) / Math.log(2);
    if (span < minSpanOctaves) {
      return failed(
          s,
          Reason.TOKEN_SPAN_TOO_SHORT,
          String.format(
              java.util.Locale.ROOT,
              "points span %.2f doublings of tokens, %.2f needed",
              span,
              minSpanOctaves));
    }
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = p.tokens()[i] / r.tokenUnit();
    }
    Law prevDomain = null;
    Law prevGeneral = null;
    // A warm refit is one local optimisation from the previous laws: as a run's data grow, the best
    // fit can move to
    // another basin (a bump appears), so the run is refitted from scratch whenever its tokens have
    // grown by
    // COLD_GROWTH since its last cold fit — a few dozen cold fits over a run's life, warm refits in
    // between (a caller
    // short of time may defer that cold fit: coldTokens then stays at the last cold fit, so the
    // next analysis without
    // deferCold does it).
    Long coldTokens = null;
    if (!cold
        && previous != null
        && previous.ok()
        && previous.ratio() == s.ratio()
        && previous.coldFitTokens() != null
        && (deferCold || s.maxFitTokens() <= COLD_GROWTH * previous.coldFitTokens())) {
      prevDomain = law(LawForm.DOMAIN, previous.domainLaw());
      prevGeneral = law(LawForm.GENERAL, previous.generalLaw());
      coldTokens = previous.coldFitTokens();
    }
    if (prevDomain == null || prevGeneral == null) {
      prevDomain = null;
      prevGeneral = null;
      coldTokens = s.maxFitTokens();
    }
    FitResult fd =
        prevDomain == null
            ? RobustFitter.fit(LawForm.DOMAIN, x, p.domainChange(), p.weights(), options)
            : RobustFitter.refit(
                LawForm.DOMAIN, x, p.domainChange(), p.weights(), prevDomain, options);
    // dGen is fitted as the rise-then-fall law through dGen(0) = 0 (b2 fixed at 0: the T = 0 base
    // losses anchor it).
    // Model selection between one term and the bump biases the slope at the end of the data upwards
    // when the bump
    // peaks near the last points (a flat top reads as "still rising"); with the bump always
    // allowed, a3 → 0 or
    // a2 → 0 still describes a monotone curve, and the slope's uncertainty is carried honestly.
    FitOptions go = options.withBounds(GENERAL_LOWER, GENERAL_UPPER);
    FitResult fg =
        prevGeneral == null
            ? RobustFitter.fit(LawForm.GENERAL, x, p.generalIncrease(), p.weights(), go)
            : RobustFitter.refit(
                LawForm.GENERAL, x, p.generalIncrease(), p.weights(), prevGeneral, go);
    if (!fd.ok() || !fg.ok()) {
      String why = !fd.ok() ? "domain law: " + fd.message() : "general law: " + fg.message();
      return failed(s, Reason.FIT_FAILED, why);
    }
    Law dom = fd.law();
    Law gen = fg.law();
    double maxObs = s.maxFitTokens() / r.tokenUnit(); // the largest evaluation, not its bin's mean
    double tb = r.budgetUnits();
    double t0 =
        CriticalPoint.t0(dom, gen, r.lambda(), Feasibility.HORIZON_FACTOR * Math.max(tb, maxObs));
    double t0Var = t0Variance(dom, gen, fd.covariance(), fg.covariance(), r.lambda(), t0);
    double g = gen.value(tb);
    // Parameter covariance alone misses a law that bends away from the data at the end of the curve
    // (and parameters
    // held at a bound get no variance): the weighted mean residual over the last 30 % of the
    // observed tokens is added
    // as a squared bias term, var = ∇fᵀΣ∇f + r̄²_end.
    double endBias = endResidual(x, p.generalIncrease(), p.weights(), gen);
    double gVar = valueVariance(gen, fg.covariance(), tb) + endBias * endBias;

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
      } else if (Double.isFinite(t0Var)) {
        // Interval in ln T0 (T0 > 0): ln T0 ± z·σ(T0)/T0.
        double sl = Math.sqrt(t0Var) / t0;
        t0Low = t0 * Math.exp(-Z90 * sl) * unit;
        double hi = t0 * Math.exp(Z90 * sl);
        t0High = Double.isFinite(hi) ? hi * unit : null;
      } else {
        t0Low = 0.0;
      }
    }
    double gSd = Math.sqrt(gVar);
    boolean feasible = t0 <= tb && g <= r.epsilon();
    RunEstimate e =
        new RunEstimate(
            s.run(),
            s.ratio(),
            "ok",
            "fitted (" + fg.message() + ")",
            n,
            s.events(),
            s.maxFitTokens(),
            t0Tokens,
            t0Low,
            t0High,
            turned,
            feasible,
            finite(g),
            Double.isFinite(gSd) ? finite(g - Z90 * gSd) : null,
            Double.isFinite(gSd) ? finite(g + Z90 * gSd) : null,
            s.latestTokens(),
            finite(s.latestGeneralLossIncrease()),
            s.ratioChanged(),
            s.ratioChangeTokens(),
            dom.named(),
            gen.named(),
            quality(fd),
            quality(fg),
            new RunExtrapolation(
                tb > maxObs * EXTRAPOLATION_SLACK, !(t0 <= maxObs * EXTRAPOLATION_SLACK)),
            coldTokens);
    return new RunFit(
        s,
        null,
        e.message(),
        dom,
        gen,
        fd.covariance(),
        fg.covariance(),
        maxObs,
        r.lambda(),
        t0,
        t0Var,
        g,
        gVar,
        endBias,
        e);
  }

  static RunFit failed(RunSummary s, Reason reason, String message) {
    RunEstimate e =
        new RunEstimate(
            s.run(),
            s.ratio(),
            reason.code(),
            message,
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
            null);
    return new RunFit(
        s,
        reason,
        message,
        null,
        null,
        null,
        null,
        0,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        Double.NaN,
        0,
        e);
  }

  // Weighted mean of (y − law) over the points with x ≥ 0.7 · max x.
  static double endResidual(double[] x, double[] y, double[] w, Law law) {
    double from = 0.7 * x[x.length - 1];
    double sum = 0;
    double sw = 0;
    for (int i = 0; i < x.length; i++) {
      if (x[i] >= from) {
        sum += w[i] * (y[i] - law.value(x[i]));
        sw += w[i];
      }
    }
    return sw > 0 ? sum / sw : 0;
  }

  /** dGen at another budget (token units) with its delta-method variance: [value, variance]. */
  double[] generalAt(double t) {
    return new double[] {
      general.value(t), valueVariance(general, generalCov, t) + endBias * endBias
    };
  }

  /**
   * The turn-over margin at T (token units), m(T) = T·dF/dT / λ = g(T)/λ, with its delta-method
   * variance: [value, variance]. Its sign is the sign of dF/dT at T, so m(T_max) ≤ 0 exactly when
   * the objective has turned over by T_max (T0 ≤ T_max, for a single last crossing).
   */
  double[] slopeAt(double t) {
    double[] dd = new double[3];
    double[] dg = new double[5];
    CriticalPoint.slopeGradient(domain, general, lambda, t, dd, dg);
    double value =
        CriticalPoint.slope(domain.parameters(), general.parameters(), lambda, t) / lambda;
    double var = (quadratic(dd, domainCov) + quadratic(dg, generalCov)) / (lambda * lambda);
    return new double[] {value, var};
  }

  // var f(T) = ∇θ f(T)ᵀ · Σ · ∇θ f(T).
  static double valueVariance(Law law, double[][] cov, double t) {
    double[] grad = new double[law.form().parameterCount()];
    law.form().parameterGradient(t, law.parameters(), grad);
    return quadratic(grad, cov);
  }

  static double t0Variance(
      Law dom, Law gen, double[][] covD, double[][] covG, double lambda, double t0) {
    double[] dd = new double[3];
    double[] dg = new double[5];
    if (!CriticalPoint.gradient(dom, gen, lambda, t0, dd, dg)) {
      return t0 == 0 ? 0 : Double.NaN;
    }
    return quadratic(dd, covD) + quadratic(dg, covG);
  }

  private static double quadratic(double[] g, double[][] cov) {
    if (cov == null || cov.length != g.length) {
      return Double.NaN;
    }
    double s = 0;
    for (int i = 0; i < g.length; i++) {
      if (g[i] == 0) {
        continue;
      }
      for (int j = 0; j < g.length; j++) {
        if (g[j] != 0) {
          s += g[i] * cov[i][j] * g[j];
        }
      }
    }
    return s >= 0 ? s : Double.NaN;
  }

  static Law law(LawForm form, Map<String, Double> named) {
    if (named == null) {
      return null;
    }
    double[] p = new double[form.parameterCount()];
    for (int i = 0; i < p.length; i++) {
      Double v = named.get(form.parameterNames().get(i));
      if (v == null || !Double.isFinite(v)) {
        return null;
      }
      p[i] = v;
    }
    return new Law(form, p);
  }

  private static FitQuality quality(FitResult f) {
    return new FitQuality(
        finite(f.stats().rmse()), finite(f.stats().r2()), f.converged(), f.message());
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
}
