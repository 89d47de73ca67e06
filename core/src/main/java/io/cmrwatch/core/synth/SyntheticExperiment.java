package io.cmrwatch.core.synth;

import io.cmrwatch.core.event.LossEvent;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A synthetic experiment: its loss events (the shared schema, in evaluation order) and the truth
 * they were drawn from.
 *
 * @param experiment experiment id
 * @param seed the seed that generated it
 * @param budgetTokens T_max in absolute tokens
 * @param tokenUnit token unit of the true laws
 * @param epsilon tolerance ε used for the truth
 * @param lambda weight λ used for the truth
 * @param family the true family of laws across ratios
 * @param runs the runs with their true laws
 * @param events every event, T = 0 events included, in increasing tokens per run
 * @param trueCmr the true CMR at the budget, from the true laws by the method's own feasibility
 *     code
 * @param noise standard deviation σ of the evaluation noise (outliers aside)
 */
public record SyntheticExperiment(
    String experiment,
    long seed,
    long budgetTokens,
    double tokenUnit,
    double epsilon,
    double lambda,
    TrueFamily family,
    List<SyntheticRun> runs,
    List<LossEvent> events,
    double trueCmr,
    double noise) {

  /** The events with tokens ≤ fraction·budget (replaying a stream that has reached that point). */
  public List<LossEvent> eventsUpTo(double fraction) {
    double limit = fraction * budgetTokens;
    return events.stream().filter(e -> e.tokens() <= limit).collect(Collectors.toList());
  }

  /** The true CMR at another budget (absolute tokens). */
  public double trueCmrAt(double budget) {
    return family.cmr(budget / tokenUnit, epsilon, lambda);
  }
}
