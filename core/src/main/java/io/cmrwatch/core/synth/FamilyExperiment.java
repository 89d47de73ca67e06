package io.cmrwatch.core.synth;

import io.cmrwatch.core.event.LossEvent;
import java.util.List;
import java.util.function.DoubleFunction;
import java.util.stream.Collectors;

/**
 * A synthetic experiment drawn from one {@link LawFamily}: its loss events and the truth they were
 * drawn from.
 *
 * @param family the family's name
 * @param experiment experiment id
 * @param seed the seed that generated it
 * @param budgetTokens T_max in absolute tokens
 * @param tokenUnit token unit of the true curves
 * @param epsilon tolerance ε used for the truth
 * @param lambda weight λ used for the truth
 * @param design how it was sampled
 * @param runs the runs with their true curves, by ratio
 * @param events every event, T = 0 events included, in increasing tokens per run
 * @param trend the true curves at any ratio in (0, 1]: what the truth is computed on (a run's own
 *     curves are these, except in a family with run-level noise around the trend)
 * @param trueCmr the true CMR at the budget, {@link TrueCmr} on {@code trend}
 * @param feasibilityMonotone whether feasibility was monotone in R along the truth's ratio grid
 */
public record FamilyExperiment(
    String family,
    String experiment,
    long seed,
    long budgetTokens,
    double tokenUnit,
    double epsilon,
    double lambda,
    Design design,
    List<TrueRun> runs,
    List<LossEvent> events,
    DoubleFunction<TrueCurves> trend,
    double trueCmr,
    boolean feasibilityMonotone) {

  /** T_max in token units. */
  public double budget() {
    return budgetTokens / tokenUnit;
  }

  /** The events with tokens ≤ fraction·budget (replaying a stream that has reached that point). */
  public List<LossEvent> eventsUpTo(double fraction) {
    double limit = fraction * budgetTokens;
    return events.stream().filter(e -> e.tokens() <= limit).collect(Collectors.toList());
  }
}
