package io.cmrwatch.streams.alert;

import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.law.LawForm;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.streams.fit.FittedLaw;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * When each alert kind fires and resolves. Each alert of a run fires once when its condition starts
 * and resolves once when it ends: the caller keeps the run's firing alerts ({@code firing}, kind →
 * wall-clock ms it started), and every method here updates them and returns the transitions to
 * publish (none in the common case, at no cost). Plain Java: the streams app calls it per event,
 * per analysis and per stall check.
 */
public final class AlertPolicy {

  /**
   * Observed forgetting resolves below this fraction of ε, so that noise around ε does not flap the
   * alert.
   */
  static final double RESOLVE_FRACTION = 0.9;

  /**
   * Smallest noise scale for spike detection (loss units): evaluation noise of a real loss is
   * rarely below this, and a curve fitted almost exactly (or an early fit extrapolated a little)
   * must not turn every point into a spike.
   */
  static final double MIN_NOISE = 5e-3;

  /**
   * A run is predicted infeasible when the estimator's probability that it is feasible at the
   * budget is at most this (≥ 90 % confidence that it is not).
   */
  static final double INFEASIBLE_PROBABILITY = 0.10;

  /**
   * The prediction resolves once that probability is above this, so that an estimate wavering
   * around the threshold does not flap the alert.
   */
  static final double INFEASIBLE_RESOLVE_PROBABILITY = 0.20;

  /**
   * Analyses in a row that must agree before the prediction fires or resolves: a run's probability
   * can jump for one analysis (a cold refit reading the turn-over differently) and come back at the
   * next, and an alert that a team acts on by stopping a run must not follow such a jump ({@code
   * io.cmrwatch.bench.DoomedRuns} measures both on seven law families; docs/benchmarks.md).
   */
  static final int INFEASIBLE_ANALYSES = 3;

  private final double spikeSigma;
  private final int spikeMinPoints;
  private final long stallAfterMs;

  /**
   * @param spikeSigma a loss more than this many noise deviations off the fitted trend is a spike
   * @param spikeMinPoints curve points a fit needs before spikes are judged against it
   * @param stallAfterMs a run with no event for this long is stalled
   */
  public AlertPolicy(double spikeSigma, int spikeMinPoints, long stallAfterMs) {
    this.spikeSigma = spikeSigma;
    this.spikeMinPoints = spikeMinPoints;
    this.stallAfterMs = stallAfterMs;
  }

  /**
   * What one new event of a run changes: a stalled run reports again ({@code run_stalled}
   * resolves), its observed general-loss increase crosses ε ({@code forgetting_observed}), its loss
   * leaves or rejoins the fitted trend ({@code loss_spike}; judged for events absorbed into the
   * fitted data only).
   *
   * @param summary the run's summary, the event absorbed
   * @param absorbed whether the event went into the fitted data (not after a ratio change)
   * @param fit the run's latest fit, or null
   * @param epsilon the experiment's ε
   * @param tokenUnit the token unit of {@code fit}'s laws
   */
  public List<Alert> onEvent(
      Map<AlertKind, Long> firing,
      RunSummary summary,
      LossEvent e,
      boolean absorbed,
      RunEstimate fit,
      double epsilon,
      double tokenUnit,
      long nowMs) {
    List<Alert> out = List.of();
    if (firing.containsKey(AlertKind.RUN_STALLED)) {
      out =
          add(
              out,
              resolve(
                  firing,
                  AlertKind.RUN_STALLED,
                  summary,
                  nowMs,
                  "run " + e.run() + " reports again",
                  Alert.values("tokens", e.tokens())));
    }
    out = add(out, observedForgetting(firing, summary, epsilon, nowMs));
    if (absorbed) {
      out = add(out, spike(firing, summary, e, fit, tokenUnit, nowMs));
    }
    return out;
  }

  private Alert observedForgetting(
      Map<AlertKind, Long> firing, RunSummary s, double epsilon, long nowMs) {
    double inc = s.latestGeneralLossIncrease();
    boolean on = firing.containsKey(AlertKind.FORGETTING_OBSERVED);
    boolean fire = !on && inc > epsilon;
    boolean resolve = on && inc <= RESOLVE_FRACTION * epsilon;
    if (!fire && !resolve) {
      return null;
    }
    Map<String, Double> values =
        Alert.values(
            "generalLossIncrease",
            inc,
            "epsilon",
            epsilon,
            "tokens",
            s.latestTokens(),
            "ratio",
            s.ratio());
    return transition(
        firing,
        AlertKind.FORGETTING_OBSERVED,
        s,
        nowMs,
        fire,
        fire
            ? format(
                "run %s: general loss is up %.4f over the base model, more than ε = %.4f",
                s.run(), inc, epsilon)
            : format(
                "run %s: general-loss increase %.4f is back within ε = %.4f",
                s.run(), inc, epsilon),
        values);
  }

  private Alert spike(
      Map<AlertKind, Long> firing,
      RunSummary s,
      LossEvent e,
      RunEstimate f,
      double tokenUnit,
      long nowMs) {
    if (f == null
        || !f.ok()
        || f.points() < spikeMinPoints
        || e.tokens() <= 0
        || f.generalLaw() == null
        || f.domainLaw() == null) {
      return null;
    }
    double t = e.tokens() / tokenUnit;
    double rg = e.generalLossIncrease() - FittedLaw.value(LawForm.GENERAL, f.generalLaw(), t);
    double rd = e.domainLossChange() - FittedLaw.value(LawForm.DOMAIN, f.domainLaw(), t);
    double ng = noise(f.generalFit());
    double nd = noise(f.domainFit());
    double zg = Math.abs(rg) / ng;
    double zd = Math.abs(rd) / nd;
    boolean spike = zg > spikeSigma || zd > spikeSigma;
    boolean on = firing.containsKey(AlertKind.LOSS_SPIKE);
    if (spike == on || Double.isNaN(zg + zd)) {
      return null;
    }
    Map<String, Double> values =
        Alert.values(
            "tokens",
            e.tokens(),
            "generalResidual",
            rg,
            "generalNoise",
            ng,
            "domainResidual",
            rd,
            "domainNoise",
            nd,
            "sigma",
            spikeSigma);
    return transition(
        firing,
        AlertKind.LOSS_SPIKE,
        s,
        nowMs,
        spike,
        spike
            ? format(
                "run %s: loss at %d tokens is %.1f noise deviations off the fitted trend",
                s.run(), e.tokens(), Math.max(zg, zd))
            : "run " + s.run() + ": losses are back on the fitted trend",
        values);
  }

  private static double noise(RunEstimate.FitQuality q) {
    Double rmse = q == null ? null : q.rmse();
    return rmse != null && Double.isFinite(rmse) ? Math.max(MIN_NOISE, rmse) : MIN_NOISE;
  }

  /**
   * What an analysis of the run changes: its fitted general-loss increase at the budget crosses ε
   * ({@code forgetting_predicted}); the estimator's probability that the run is feasible at the
   * budget has been {@value #INFEASIBLE_PROBABILITY} or below, or above {@value
   * #INFEASIBLE_RESOLVE_PROBABILITY} once firing, for {@value #INFEASIBLE_ANALYSES} analyses in a
   * row ({@code run_predicted_infeasible}).
   *
   * @param pending per kind, the analyses in a row whose condition points to the alert's next
   *     transition (kept with the run's state, updated here)
   * @param estimate the analysis the fit belongs to (its ε and budget)
   */
  public List<Alert> onFit(
      Map<AlertKind, Long> firing,
      Map<AlertKind, Integer> pending,
      RunSummary summary,
      RunEstimate fit,
      ExperimentEstimate estimate,
      long nowMs) {
    if (!fit.ok() || estimate.budgetTokens() == null) {
      return List.of();
    }
    List<Alert> out = List.of();
    out = add(out, predictedForgetting(firing, summary, fit, estimate, nowMs));
    out = add(out, predictedInfeasible(firing, pending, summary, fit, estimate, nowMs));
    return out;
  }

  private Alert predictedForgetting(
      Map<AlertKind, Long> firing,
      RunSummary summary,
      RunEstimate fit,
      ExperimentEstimate estimate,
      long nowMs) {
    Double predicted = fit.generalLossIncreaseAtBudget();
    if (predicted == null || !Double.isFinite(predicted)) {
      return null;
    }
    double epsilon = estimate.epsilon();
    boolean over = predicted > epsilon;
    boolean on = firing.containsKey(AlertKind.FORGETTING_PREDICTED);
    if (over == on) {
      return null;
    }
    Map<String, Double> values =
        Alert.values(
            "predictedGeneralLossIncrease",
            predicted,
            "epsilon",
            epsilon,
            "budgetTokens",
            estimate.budgetTokens(),
            "ratio",
            fit.ratio(),
            "fitTokens",
            fit.maxTokens());
    return transition(
        firing,
        AlertKind.FORGETTING_PREDICTED,
        summary,
        nowMs,
        over,
        over
            ? format(
                "run %s: the fitted general loss is %.4f above the base at the budget, "
                    + "more than ε = %.4f",
                summary.run(), predicted, epsilon)
            : format(
                "run %s: the fitted general-loss increase at the budget, %.4f, is within "
                    + "ε = %.4f",
                summary.run(), predicted, epsilon),
        values);
  }

  private Alert predictedInfeasible(
      Map<AlertKind, Long> firing,
      Map<AlertKind, Integer> pending,
      RunSummary summary,
      RunEstimate fit,
      ExperimentEstimate estimate,
      long nowMs) {
    Double p = fit.feasibleProbability();
    if (p == null || !Double.isFinite(p)) {
      return null;
    }
    AlertKind kind = AlertKind.RUN_PREDICTED_INFEASIBLE;
    boolean on = firing.containsKey(kind);
    boolean toward = on ? p > INFEASIBLE_RESOLVE_PROBABILITY : p <= INFEASIBLE_PROBABILITY;
    int inRow = toward ? pending.getOrDefault(kind, 0) + 1 : 0;
    if (inRow < INFEASIBLE_ANALYSES) {
      if (inRow == 0) {
        pending.remove(kind);
      } else {
        pending.put(kind, inRow);
      }
      return null;
    }
    pending.remove(kind);
    boolean fire = !on;
    Map<String, Double> values =
        Alert.values(
            "feasibleProbability",
            p,
            "turnOverProbability",
            fit.turnOverProbability(),
            "budgetTokens",
            estimate.budgetTokens(),
            "ratio",
            fit.ratio(),
            "fitTokens",
            fit.maxTokens());
    return transition(
        firing,
        AlertKind.RUN_PREDICTED_INFEASIBLE,
        summary,
        nowMs,
        fire,
        fire
            ? format(
                "run %s: %.0f %% likely infeasible at the budget (its objective does not turn "
                    + "over in time or its general loss ends more than ε up); it can be stopped",
                summary.run(), 100 * (1 - p))
            : format(
                "run %s: feasible at the budget with probability %.0f %% again",
                summary.run(), 100 * p),
        values);
  }

  /**
   * A run's ratio against the experiment's published CMR interval ({@code ratio_above_cmr}): above
   * its upper end, the run's general-loss bump will not turn over within the budget. Judged only
   * against an {@code ok} estimate; returns the transition or null.
   *
   * @param ratio the ratio the run trains at now
   */
  public Alert onEstimate(
      Map<AlertKind, Long> firing,
      RunSummary summary,
      double ratio,
      ExperimentEstimate published,
      long nowMs) {
    if (published == null || !published.ok()) {
      return null;
    }
    double low = published.cmrLow();
    double high = published.cmrHigh();
    boolean above = ratio > high;
    boolean on = firing.containsKey(AlertKind.RATIO_ABOVE_CMR);
    if (above == on) {
      return null;
    }
    Map<String, Double> values =
        Alert.values("ratio", ratio, "cmr", published.cmr(), "cmrLow", low, "cmrHigh", high);
    return transition(
        firing,
        AlertKind.RATIO_ABOVE_CMR,
        summary,
        nowMs,
        above,
        above
            ? format(
                "run %s: ratio %.4f is above the CMR interval [%.4f, %.4f]; its general-loss "
                    + "bump will not turn over within the budget",
                summary.run(), ratio, low, high)
            : format(
                "run %s: ratio %.4f is no longer above the CMR interval [%.4f, %.4f]",
                summary.run(), ratio, low, high),
        values);
  }

  /**
   * A run silent for the stall time fires {@code run_stalled} once (its next event resolves it);
   * returns the transition or null.
   */
  public Alert onSilence(
      Map<AlertKind, Long> firing, RunSummary summary, long lastEventWallMs, long nowMs) {
    if (nowMs - lastEventWallMs < stallAfterMs || firing.containsKey(AlertKind.RUN_STALLED)) {
      return null;
    }
    double silent = (nowMs - lastEventWallMs) / 1000.0;
    return fire(
        firing,
        AlertKind.RUN_STALLED,
        summary,
        nowMs,
        format("run %s: no event for %.0f s", summary.run(), silent),
        Alert.values(
            "secondsSinceLastEvent",
            silent,
            "stallAfterSeconds",
            stallAfterMs / 1000.0,
            "tokens",
            summary.latestTokens()));
  }

  /** Whether a run that last reported at {@code lastEventWallMs} is due for a stall check. */
  public boolean silent(long lastEventWallMs, long nowMs) {
    return nowMs - lastEventWallMs >= stallAfterMs;
  }

  /** {@code fire}s or {@code resolve}s {@code kind}, with the message of that transition. */
  private static Alert transition(
      Map<AlertKind, Long> firing,
      AlertKind kind,
      RunSummary s,
      long nowMs,
      boolean fire,
      String message,
      Map<String, Double> values) {
    return fire
        ? fire(firing, kind, s, nowMs, message, values)
        : resolve(firing, kind, s, nowMs, message, values);
  }

  private static Alert fire(
      Map<AlertKind, Long> firing,
      AlertKind kind,
      RunSummary s,
      long nowMs,
      String message,
      Map<String, Double> values) {
    firing.put(kind, nowMs);
    return Alert.of(kind, true, s.experiment(), s.run(), nowMs, message, values);
  }

  private static Alert resolve(
      Map<AlertKind, Long> firing,
      AlertKind kind,
      RunSummary s,
      long nowMs,
      String message,
      Map<String, Double> values) {
    firing.remove(kind);
    return Alert.of(kind, false, s.experiment(), s.run(), nowMs, message, values);
  }

  private static List<Alert> add(List<Alert> list, Alert a) {
    if (a == null) {
      return list;
    }
    List<Alert> out = list.isEmpty() ? new ArrayList<>(2) : list;
    out.add(a);
    return out;
  }

  private static String format(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }
}
