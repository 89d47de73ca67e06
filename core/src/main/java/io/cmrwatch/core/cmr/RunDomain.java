package io.cmrwatch.core.cmr;

import io.cmrwatch.core.fit.FitOptions;
import io.cmrwatch.core.fit.FitResult;
import io.cmrwatch.core.fit.RobustFitter;
import io.cmrwatch.core.law.Law;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.CurvePoints;
import io.cmrwatch.core.summary.RunSummary;
import java.util.Locale;

/**
 * One run's guards and its own domain-loss law dDom(T) = a1·T^s1 + b1 (T in token units), fitted by
 * the robust fitter — warm from the previous law when there is one. The domain law is monotone and
 * well identified by each run alone; the general law, which is not, is fitted jointly across runs
 * ({@link JointGeneral}).
 *
 * @param summary the run's summary
 * @param reason null when usable, else why not
 * @param message readable detail
 * @param points the curve points (null unless usable)
 * @param x the points' tokens in token units
 * @param domain fitted domain law
 * @param domainFit the fitter's result
 * @param coldFitTokens the run's tokens at the last cold fit of its laws
 * @param contentHash the summary's content hash when this was computed
 */
record RunDomain(
    RunSummary summary,
    Reason reason,
    String message,
    CurvePoints points,
    double[] x,
    Law domain,
    FitResult domainFit,
    long coldFitTokens,
    long contentHash) {

  boolean ok() {
    return reason == null;
  }

  double ratio() {
    return summary.ratio();
  }

  /** Guards, then the domain fit (warm from {@code previous} unless {@code cold}). */
  static RunDomain of(
      RunSummary s,
      double tokenUnit,
      RunEstimate previous,
      boolean cold,
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
              Locale.ROOT,
              "points span %.2f doublings of tokens, %.2f needed",
              span,
              minSpanOctaves));
    }
    double[] x = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = p.tokens()[i] / tokenUnit;
    }
    Law warm = null;
    if (!cold && previous != null && previous.ok() && previous.ratio() == s.ratio()) {
      warm = Law.fromNamed(LawForm.DOMAIN, previous.domainLaw());
    }
    FitResult fd =
        warm == null
            ? RobustFitter.fit(LawForm.DOMAIN, x, p.domainChange(), p.weights(), options)
            : RobustFitter.refit(LawForm.DOMAIN, x, p.domainChange(), p.weights(), warm, options);
    if (!fd.ok() && warm != null) {
      fd = RobustFitter.fit(LawForm.DOMAIN, x, p.domainChange(), p.weights(), options);
    }
    if (!fd.ok()) {
      return failed(s, Reason.FIT_FAILED, "domain law: " + fd.message());
    }
    return new RunDomain(s, null, null, p, x, fd.law(), fd, s.maxFitTokens(), s.contentHash());
  }

  static RunDomain failed(RunSummary s, Reason reason, String message) {
    return new RunDomain(s, reason, message, null, null, null, null, 0, s.contentHash());
  }

  /**
   * The domain term of the turn-over margin at T (token units), D(T) = T·dDom/dT = a1·s1·T^s1, with
   * its delta-method variance: [value, variance].
   */
  double[] slopeTerm(double t) {
    double a1 = domain.parameter(0);
    double s1 = domain.parameter(1);
    double ts = Math.pow(t, s1);
    double value = a1 * s1 * ts;
    double[][] c = domainFit.covariance();
    double var = 0;
    if (c != null) {
      double g0 = s1 * ts;
      double g1 = a1 * ts * (1 + s1 * Math.log(t));
      var = g0 * g0 * c[0][0] + 2 * g0 * g1 * c[0][1] + g1 * g1 * c[1][1];
    }
    return new double[] {value, Double.isFinite(var) && var > 0 ? var : 0};
  }
}
