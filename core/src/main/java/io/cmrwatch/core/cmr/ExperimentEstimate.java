package io.cmrwatch.core.cmr;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;
import java.util.Map;

/**
 * The CMR estimate of one experiment (schema {@value #SCHEMA}): the CMR at the budget with its 90 %
 * interval, the CMR law over budgets, the curves across ratios it was read from, and every run's
 * result. This is the value published to {@code cpt.cmr-estimates} and printed by {@code cmrwatch
 * fit}; its JSON shape is documented in docs/method.md.
 *
 * @param schema shape version, {@value #SCHEMA}
 * @param experiment experiment id
 * @param budgetTokens T_max in absolute tokens (null when unknown)
 * @param status {@code ok} or a {@link Reason} code
 * @param message readable detail
 * @param cmr CMR at the budget, a domain share in [0, 1]; null unless status is ok
 * @param cmrLow lower end of the 90 % interval
 * @param cmrHigh upper end of the 90 % interval
 * @param extrapolation what the CMR rests on beyond the observed ratios and tokens
 * @param cmrLaw R_CMR(T) = a4·T^s4 + b3 (T in token units) over a grid of budgets up to T_max, or
 *     null
 * @param epsilon ε used
 * @param lambda λ used
 * @param tokenUnit token unit used
 * @param usableRuns runs with usable fits
 * @param interpolation the curves across ratios at the budget
 * @param runs every run's result, by ratio then run id
 * @param cmrHalfWidthBound the Cramér–Rao bound on the 90 % half-width for the data at hand: the
 *     narrowest interval any unbiased estimator could give with these runs, evaluations and noise
 *     if the joint model were exactly right (the reported interval is never narrower); null without
 *     a CMR
 * @param nextRatio the domain share at which one more run, evaluated like the current ones, would
 *     narrow the interval most; null without a CMR
 * @param nextRatioExpectedWidth the expected width of the 90 % interval with that run added
 * @param denserRun the existing run whose evaluations, if doubled, would narrow the interval most
 * @param denserRunExpectedWidth the expected width of the 90 % interval with them
 */
@JsonPropertyOrder({
  "schema",
  "experiment",
  "budgetTokens",
  "status",
  "message",
  "cmr",
  "cmrLow",
  "cmrHigh",
  "cmrHalfWidthBound",
  "nextRatio",
  "nextRatioExpectedWidth",
  "denserRun",
  "denserRunExpectedWidth",
  "extrapolation",
  "cmrLaw",
  "epsilon",
  "lambda",
  "tokenUnit",
  "usableRuns",
  "interpolation",
  "runs"
})
public record ExperimentEstimate(
    int schema,
    String experiment,
    Long budgetTokens,
    String status,
    String message,
    Double cmr,
    Double cmrLow,
    Double cmrHigh,
    Extrapolation extrapolation,
    CmrLaw cmrLaw,
    double epsilon,
    double lambda,
    double tokenUnit,
    int usableRuns,
    Interpolation interpolation,
    List<RunEstimate> runs,
    Double cmrHalfWidthBound,
    Double nextRatio,
    Double nextRatioExpectedWidth,
    String denserRun,
    Double denserRunExpectedWidth) {

  /** Current shape version. */
  public static final int SCHEMA = 1;

  /** An estimate without the planning fields (bound, next ratio, denser run). */
  public ExperimentEstimate(
      int schema,
      String experiment,
      Long budgetTokens,
      String status,
      String message,
      Double cmr,
      Double cmrLow,
      Double cmrHigh,
      Extrapolation extrapolation,
      CmrLaw cmrLaw,
      double epsilon,
      double lambda,
      double tokenUnit,
      int usableRuns,
      Interpolation interpolation,
      List<RunEstimate> runs) {
    this(
        schema,
        experiment,
        budgetTokens,
        status,
        message,
        cmr,
        cmrLow,
        cmrHigh,
        extrapolation,
        cmrLaw,
        epsilon,
        lambda,
        tokenUnit,
        usableRuns,
        interpolation,
        runs,
        null,
        null,
        null,
        null,
        null);
  }

  /** True when a CMR was estimated. */
  public boolean ok() {
    return "ok".equals(status);
  }

  /**
   * Extrapolation flags of the CMR.
   *
   * @param ratios the CMR lies outside [min R, max R] of the usable runs
   * @param budget some usable run was not observed up to the budget (its dGen(T_max) is
   *     extrapolated)
   * @param criticalPoints some usable run's T0 lies beyond its observed tokens (inferred from the
   *     fitted law)
   */
  public record Extrapolation(boolean ratios, boolean budget, boolean criticalPoints) {}

  /**
   * The CMR scaling law fitted over budgets.
   *
   * @param a4 coefficient
   * @param s4 exponent
   * @param b3 constant
   * @param budgets number of budgets it was fitted to
   * @param fromTokens smallest budget of the grid (absolute tokens)
   * @param toTokens largest budget of the grid (absolute tokens)
   * @param rmse RMS residual of the fit (ratio units)
   */
  public record CmrLaw(
      double a4,
      double s4,
      double b3,
      int budgets,
      double fromTokens,
      double toTokens,
      Double rmse) {}

  /**
   * The curves across ratios at the budget (docs/method.md, "Across ratios").
   *
   * @param method {@code joint}: the joint model's parameters interpolated across z = ln R between
   *     the trained ratios (docs/method.md)
   * @param tolerance null with the joint method (a fitted across-ratio law of dGen(T_max) in
   *     earlier methods)
   * @param criticalPoint null with the joint method (a fitted across-ratio law of the turn-over
   *     margin in earlier methods)
   * @param toleranceRatio largest R with dGen(T_max) ≤ ε (may exceed 1)
   * @param criticalPointRatio largest R whose objective has turned over by T_max, T0 ≤ T_max (may
   *     exceed 1)
   * @param binding which constraint sets the CMR: {@code tolerance} or {@code critical_point}
   * @param exponents the joint model's shared exponents {s2, s3} of the general law
   */
  public record Interpolation(
      String method,
      Map<String, Double> tolerance,
      Map<String, Double> criticalPoint,
      Double toleranceRatio,
      Double criticalPointRatio,
      String binding,
      Map<String, Double> exponents) {}
}
