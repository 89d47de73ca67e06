package io.cmrwatch.core.synth;

/**
 * One run of a synthetic experiment and the truth it was drawn from.
 *
 * @param run run id
 * @param ratio domain share R
 * @param curves the run's true curves: its evaluations are these plus noise
 * @param trueT0 the run's true critical point in absolute tokens ({@code Infinity} when dF/dT is
 *     still positive at the horizon)
 * @param trueFeasible whether the run's own curves are feasible at the budget
 * @param evaluations the run's evaluations (the T = 0 event not counted)
 */
public record TrueRun(
    String run,
    double ratio,
    TrueCurves curves,
    double trueT0,
    boolean trueFeasible,
    int evaluations) {}
