package io.cmrwatch.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Mean next-byte cross-entropy in nats: {@code L = −mean_{b,t} log softmax(logits[b, t])[label[b,
 * t]]}. Logits are B×T×256, labels B×T byte ids (int64).
 */
public final class NextByteLoss extends Loss {

  /** The loss, named {@code xent} in DJL's training metrics. */
  public NextByteLoss() {
    super("xent");
  }

  @Override
  public NDArray evaluate(NDList labels, NDList predictions) {
    NDArray logProbabilities = predictions.singletonOrThrow().logSoftmax(-1);
    NDArray picked = logProbabilities.gather(labels.singletonOrThrow().expandDims(-1), -1);
    return picked.mean().neg();
  }
}
