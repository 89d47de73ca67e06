package io.cmrwatch.core.synth;

/**
 * How a synthetic experiment was sampled: what an estimator has to work with, apart from the
 * curves' shapes.
 *
 * @param ratios number of runs (one per domain share)
 * @param minEvaluations fewest evaluations of a run (the T = 0 event not counted)
 * @param maxEvaluations most evaluations of a run
 * @param noise standard deviation σ of the Gaussian evaluation noise (both losses)
 * @param outlierRate chance that an evaluation's loss is an outlier of 6–12 σ instead
 */
public record Design(
    int ratios, int minEvaluations, int maxEvaluations, double noise, double outlierRate) {}
