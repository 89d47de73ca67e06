package io.cmrwatch.trainer.agent;

/**
 * One evaluation of a CPT run: both validation losses at {@code tokens} CPT tokens.
 *
 * @param tokens CPT tokens trained when evaluated
 * @param step optimizer steps so far
 * @param ratio the target domain share at that moment
 * @param generalLoss general validation loss (nats per byte)
 * @param domainLoss domain validation loss (nats per byte)
 * @param learningRate learning rate of the last step
 */
public record Evaluation(
    long tokens,
    long step,
    double ratio,
    double generalLoss,
    double domainLoss,
    double learningRate) {}
