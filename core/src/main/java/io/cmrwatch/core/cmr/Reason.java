package io.cmrwatch.core.cmr;

/**
 * Why there is no estimate yet (for a run or for an experiment's CMR). The {@link #code()} is
 * stable snake_case: the {@code status} field of the JSON output, a metric tag and what a client
 * matches on.
 */
public enum Reason {
  /** The run has no constant-ratio data (no events, or all of them after a ratio change). */
  NO_DATA("no_data", "no constant-ratio data for this run"),
  /** Fewer curve points (token bins) than the guard requires. */
  TOO_FEW_POINTS("too_few_points", "not enough evaluation points yet"),
  /** The points cover too narrow a token span to tell the laws' exponents apart. */
  TOKEN_SPAN_TOO_SHORT("token_span_too_short", "the evaluations span too few tokens yet"),
  /** A law could not be fitted to the run's points. */
  FIT_FAILED("fit_failed", "the law fit did not converge"),
  /** The experiment has no runs. */
  NO_RUNS("no_runs", "no runs in this experiment"),
  /** No token budget is known (no event carried budgetTokens and none was given). */
  NO_BUDGET(
      "no_budget", "the token budget is unknown: send budgetTokens in the events or pass --budget"),
  /** Fewer than two runs at different ratios have usable fits. */
  TOO_FEW_USABLE_RUNS(
      "too_few_usable_runs", "a CMR needs usable fits of at least two runs at different ratios"),
  /** The fitted curves across ratios admit no feasible ratio in (0, 1]. */
  NO_FEASIBLE_RATIO(
      "no_feasible_ratio",
      "no ratio in (0, 1] keeps the general loss within tolerance by the budget"),
  /** The curves across ratios could not be fitted or inverted. */
  INTERPOLATION_FAILED("interpolation_failed", "the curves across ratios could not be fitted"),
  /** A planned ratio does not become feasible within the planning horizon (100× the budget). */
  NO_FEASIBLE_BUDGET(
      "no_feasible_budget", "the ratio does not become feasible within 100 times the budget");

  private final String code;
  private final String message;

  Reason(String code, String message) {
    this.code = code;
    this.message = message;
  }

  /** Stable snake_case code. */
  public String code() {
    return code;
  }

  /** A readable default message. */
  public String message() {
    return message;
  }
}
