package io.cmrwatch.core.synth;

import io.cmrwatch.core.law.Law;

/**
 * One synthetic run and the truth it was drawn from.
 *
 * @param run run id
 * @param ratio domain share R
 * @param trueDomain true dDom law (token units)
 * @param trueGeneral true dGen law (token units)
 * @param trueT0 true critical point in absolute tokens ({@code Infinity} when the bump never turns
 *     over)
 * @param trueFeasible whether the ratio is truly feasible at the budget
 */
public record SyntheticRun(
    String run,
    double ratio,
    Law trueDomain,
    Law trueGeneral,
    double trueT0,
    boolean trueFeasible) {}
