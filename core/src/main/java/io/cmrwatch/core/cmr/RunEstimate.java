package io.cmrwatch.core.cmr;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Map;

/**
 * What the method says about one run: its fitted laws, critical point T0 with its 90 % interval,
 * general-loss increase at the budget with its 90 % interval, feasibility and what rests on
 * extrapolation. Tokens are absolute counts. Fields that cannot be computed yet are null; {@code
 * status} says why ({@code ok} or a {@link Reason} code).
 *
 * @param run run id
 * @param ratio domain share R of the run's constant-ratio data
 * @param status {@code ok} or a {@link Reason} code
 * @param message readable detail
 * @param points curve points (token bins) the fits used
 * @param events events in those points
 * @param maxTokens largest tokens of the fitted data
 * @param t0Tokens critical token point T0; null when the bump does not turn over within the search
 *     horizon (1000 × the budget) — then {@code turnedOver} is false and the run is infeasible
 * @param t0Low lower end of T0's 90 % interval (0 when the fit cannot bound it)
 * @param t0High upper end of T0's 90 % interval; null when unbounded
 * @param turnedOver false when T0 is beyond the search horizon
 * @param feasible T0 ≤ budget and dGen(budget) ≤ ε
 * @param generalLossIncreaseAtBudget fitted dGen(T_max)
 * @param generalLossIncreaseAtBudgetLow lower end of its 90 % interval (null, with the upper end,
 *     when the fit's parameters are not identifiable from the points: the interval is unbounded)
 * @param generalLossIncreaseAtBudgetHigh upper end of its 90 % interval
 * @param latestTokens tokens of the run's latest event, whatever its ratio
 * @param latestGeneralLossIncrease dGen of that latest event (what forgetting alerts watch)
 * @param ratioChanged true when the run's ratio changed (data from the change on are not fitted)
 * @param ratioChangeTokens tokens of the first event at another ratio, or null
 * @param domainLaw fitted dDom law {a1, s1, b1} (T in token units)
 * @param generalLaw fitted dGen law {a2, s2, a3, s3, b2} (T in token units)
 * @param domainFit quality of the domain fit
 * @param generalFit quality of the general fit
 * @param extrapolation which of this run's answers rest on extrapolation beyond its observed tokens
 * @param coldFitTokens the run's tokens when its laws were last fitted from scratch (warm refits in
 *     between start from the previous laws; a run is refitted cold once its tokens have grown by a
 *     quarter since)
 * @param turnOverProbability the estimator's probability that the run's objective has turned over
 *     by the budget (T0 ≤ T_max), from the joint model's posterior; null when not fitted
 * @param feasibleProbability its probability that the run is feasible at the budget (turned over
 *     and dGen(T_max) ≤ ε); null when not fitted
 */
@JsonPropertyOrder({
  "run",
  "ratio",
  "status",
  "message",
  "points",
  "events",
  "maxTokens",
  "t0Tokens",
  "t0Low",
  "t0High",
  "turnedOver",
  "feasible",
  "generalLossIncreaseAtBudget",
  "generalLossIncreaseAtBudgetLow",
  "generalLossIncreaseAtBudgetHigh",
  "latestTokens",
  "latestGeneralLossIncrease",
  "ratioChanged",
  "ratioChangeTokens",
  "domainLaw",
  "generalLaw",
  "domainFit",
  "generalFit",
  "extrapolation",
  "coldFitTokens",
  "turnOverProbability",
  "feasibleProbability"
})
public record RunEstimate(
    String run,
    double ratio,
    String status,
    String message,
    int points,
    long events,
    Long maxTokens,
    Double t0Tokens,
    Double t0Low,
    Double t0High,
    Boolean turnedOver,
    Boolean feasible,
    Double generalLossIncreaseAtBudget,
    Double generalLossIncreaseAtBudgetLow,
    Double generalLossIncreaseAtBudgetHigh,
    Long latestTokens,
    Double latestGeneralLossIncrease,
    boolean ratioChanged,
    Long ratioChangeTokens,
    Map<String, Double> domainLaw,
    Map<String, Double> generalLaw,
    FitQuality domainFit,
    FitQuality generalFit,
    RunExtrapolation extrapolation,
    Long coldFitTokens,
    Double turnOverProbability,
    Double feasibleProbability) {

  /** True when the run has usable fits. */
  public boolean ok() {
    return "ok".equals(status);
  }

  /**
   * Goodness of one law fit.
   *
   * @param rmse weighted RMS residual (loss units)
   * @param r2 coefficient of determination, null when undefined
   * @param converged whether the optimiser converged
   * @param note the fitter's message (e.g. whether a bump was found)
   */
  public record FitQuality(Double rmse, Double r2, boolean converged, String note) {}

  /**
   * Extrapolation flags of one run.
   *
   * @param budget the budget lies more than 5 % beyond the run's last evaluation, so dGen(T_max) is
   *     extrapolated
   * @param criticalPoint T0 lies more than 5 % beyond the last evaluation (or was not found): it is
   *     extrapolated
   */
  public record RunExtrapolation(boolean budget, boolean criticalPoint) {}
}
