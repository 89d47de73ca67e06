package io.cmrwatch.streams.publish;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RunEstimate;

/**
 * One run's fit as published on {@code cpt.run-fits} (key: the run id): core's {@link RunEstimate}
 * as is, with what it does not carry itself — its experiment and the settings it was fitted with.
 *
 * @param schema shape version, {@value #SCHEMA}
 * @param experiment experiment id
 * @param budgetTokens the budget T_max in tokens, or null when unknown
 * @param epsilon ε used
 * @param lambda λ used
 * @param tokenUnit token unit of the fit's laws
 * @param fit core's result for the run
 */
@JsonPropertyOrder({
  "schema",
  "experiment",
  "budgetTokens",
  "epsilon",
  "lambda",
  "tokenUnit",
  "fit"
})
public record RunFitRecord(
    int schema,
    String experiment,
    Long budgetTokens,
    double epsilon,
    double lambda,
    double tokenUnit,
    RunEstimate fit) {

  /** Shape version. */
  public static final int SCHEMA = 2;

  /** The record of {@code fit}, one of {@code estimate}'s runs. */
  public static RunFitRecord of(ExperimentEstimate estimate, RunEstimate fit) {
    return new RunFitRecord(
        SCHEMA,
        estimate.experiment(),
        estimate.budgetTokens(),
        estimate.epsilon(),
        estimate.lambda(),
        estimate.tokenUnit(),
        fit);
  }
}
