package io.cmrwatch.streams.alert;

/**
 * The alert kinds of {@code cpt.alerts}. Each fires once when its condition starts and resolves
 * once when it ends.
 */
public enum AlertKind {
  /** The observed general-loss increase dGen exceeded ε. */
  FORGETTING_OBSERVED("forgetting_observed", "critical"),
  /** The fitted general law predicts dGen(T_max) &gt; ε at the budget. */
  FORGETTING_PREDICTED("forgetting_predicted", "warning"),
  /** The run's ratio lies above the CMR interval: its bump will not turn over within the budget. */
  RATIO_ABOVE_CMR("ratio_above_cmr", "warning"),
  /**
   * The estimator is at least 90 % confident that the run will not be feasible at its budget (its
   * objective will not turn over, or its general-loss increase will exceed ε): a run that can be
   * stopped early.
   */
  RUN_PREDICTED_INFEASIBLE("run_predicted_infeasible", "warning"),
  /** A loss far outside the run's recent noise around its fitted trend. */
  LOSS_SPIKE("loss_spike", "warning"),
  /** No event from the run for the configured wall-clock time. */
  RUN_STALLED("run_stalled", "warning");

  private final String code;
  private final String severity;

  AlertKind(String code, String severity) {
    this.code = code;
    this.severity = severity;
  }

  /** The snake_case code used in JSON and metric tags. */
  public String code() {
    return code;
  }

  /** {@code critical} or {@code warning}. */
  public String severity() {
    return severity;
  }

  /** The kind whose code is {@code code}. */
  public static AlertKind byCode(String code) {
    for (AlertKind k : values()) {
      if (k.code.equals(code)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown alert kind " + code);
  }
}
