package io.cmrwatch.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.Map;

/**
 * Adam whose moment estimates and step counts can be saved and restored, so that a resumed run
 * continues with the optimizer state it stopped with. The update is DJL's fused Adam kernel (the
 * same one {@code Optimizer.adam()} uses); only the bookkeeping differs. The learning rate is set
 * by the training loop before each step.
 */
public final class StatefulAdam extends Optimizer {

  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private final Map<String, NDArray> means = new HashMap<>();
  private final Map<String, NDArray> variances = new HashMap<>();
  private final Map<String, Integer> counts = new HashMap<>();
  private volatile float learningRate;

  /** Adam with no weight decay and the usual betas (0.9, 0.999). */
  public StatefulAdam(float learningRate) {
    super(new Builder());
    this.learningRate = learningRate;
  }

  /** Sets the learning rate used by the next steps. */
  public void setLearningRate(float learningRate) {
    this.learningRate = learningRate;
  }

  /** The learning rate currently in use. */
  public float learningRate() {
    return learningRate;
  }

  @Override
  public void update(String parameterId, NDArray weight, NDArray grad) {
    int t = counts.merge(parameterId, 1, Integer::sum);
    // PyTorch's Adam: w −= lr / (1 − β1^t) · m / (sqrt(v) / sqrt(1 − β2^t) + ε). DJL's kernel
    // computes
    // w −= lr_t · m / (sqrt(v) + ε_t); with lr_t = lr · sqrt(1 − β2^t) / (1 − β1^t) and
    // ε_t = ε · sqrt(1 − β2^t) the two are the same update (with ε_t = ε, the kernel's ε would
    // weigh
    // up to 1 / sqrt(1 − β2^t) ≈ 32 times more in the first steps).
    double root = Math.sqrt(1 - Math.pow(BETA2, t));
    float corrected = (float) (learningRate * root / (1 - Math.pow(BETA1, t)));
    float epsilon = (float) (EPSILON * root);
    NDArray mean = means.computeIfAbsent(parameterId, k -> weight.zerosLike());
    NDArray variance = variances.computeIfAbsent(parameterId, k -> weight.zerosLike());
    weight
        .getNDArrayInternal()
        .adamUpdate(
            new NDList(weight, grad, mean, variance),
            new NDList(weight),
            learningRate,
            corrected,
            0f,
            rescaleGrad,
            clipGrad,
            BETA1,
            BETA2,
            epsilon,
            true,
            false);
  }

  /**
   * State of one parameter: first and second moments and the number of updates so far, or null when
   * untouched.
   */
  State state(String parameterId) {
    NDArray m = means.get(parameterId);
    if (m == null) {
      return null;
    }
    return new State(m, variances.get(parameterId), counts.get(parameterId));
  }

  /** Restores one parameter's state; the arrays are copied into arrays owned like the weight. */
  void restore(String parameterId, NDArray weight, NDArray mean, NDArray variance, int count) {
    NDArray m = weight.zerosLike();
    m.addi(mean);
    NDArray v = weight.zerosLike();
    v.addi(variance);
    NDArray oldM = means.put(parameterId, m);
    NDArray oldV = variances.put(parameterId, v);
    if (oldM != null) {
      oldM.close();
    }
    if (oldV != null) {
      oldV.close();
    }
    counts.put(parameterId, count);
  }

  /** One parameter's optimizer state. */
  record State(NDArray mean, NDArray variance, int count) {}

  private static final class Builder extends OptimizerBuilder<Builder> {
    @Override
    protected Builder self() {
      return this;
    }
  }
}
