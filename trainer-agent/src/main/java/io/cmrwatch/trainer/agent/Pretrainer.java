package io.cmrwatch.trainer.agent;

import ai.djl.Device;
import io.cmrwatch.trainer.data.Corpus;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import io.cmrwatch.trainer.model.Devices;
import io.cmrwatch.trainer.model.LanguageModelTrainer;
import java.util.SplittableRandom;

/**
 * Pre-trains the base model on the general corpus and saves it as the checkpoint CPT starts from.
 */
public final class Pretrainer {

  private static final String PHASE = "pretrain";
  private final TrainerMetrics metrics;

  /** A pre-trainer reporting into {@code metrics}. */
  public Pretrainer(TrainerMetrics metrics) {
    this.metrics = metrics;
  }

  /** Trains, saves, and returns what happened; interrupting the thread aborts between steps. */
  public PretrainResult run(PretrainOptions o) throws InterruptedException {
    long started = System.nanoTime();
    Corpus corpus = o.corpus().load();
    Device device = Devices.select(o.device());
    metrics.device(device.toString(), Devices.engine());
    int context = o.model().context();
    long perStep = (long) o.batchSize() * context;
    long totalSteps = Math.max(1, (o.tokens() + perStep - 1) / perStep);
    long steps = o.maxSteps() > 0 ? Math.min(totalSteps, o.maxSteps()) : totalSteps;
    ProgressBar progress = new ProgressBar(System.err, "pretrain", steps * perStep, o.quiet());
    try (LanguageModelTrainer lm =
        LanguageModelTrainer.create(o.model(), o.batchSize(), device, (int) o.seed())) {
      double first = Double.NaN;
      double recent = 0;
      int recentCount = 0;
      SplittableRandom random = new SplittableRandom(o.seed());
      long loopStart = System.nanoTime();
      for (long s = 0; s < steps; s++) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("pre-training interrupted at step " + s);
        }
        byte[][] batch = new byte[o.batchSize()][];
        for (int i = 0; i < batch.length; i++) {
          batch[i] = corpus.sample(random, context + 1);
        }
        float loss = lm.step(batch, learningRate(o, s, totalSteps));
        if (s == 0) {
          first = loss;
        }
        // Mean of the last ~10 % of steps, a steadier figure than the last step alone.
        if (s >= steps - Math.max(1, steps / 10)) {
          recent += loss;
          recentCount++;
        }
        long tokens = (s + 1) * perStep;
        metrics.trained(PHASE, PHASE, perStep);
        progress.update(tokens, loss, Double.NaN);
        metrics.throughput(PHASE, PHASE, progress.tokensPerSecond());
      }
      progress.finish();
      double loopSeconds = (System.nanoTime() - loopStart) / 1e9;
      double seconds = (System.nanoTime() - started) / 1e9;
      double validation = lm.evaluate(corpus.validation(o.validationSequences(), context + 1));
      lm.save(o.out());
      return new PretrainResult(
          o.out(),
          o.model(),
          lm.parameterCount(),
          device.toString(),
          steps * perStep,
          steps,
          first,
          recent / recentCount,
          validation,
          steps * perStep / loopSeconds,
          seconds);
    }
  }

  /**
   * Linear warm-up, then cosine decay to a tenth: lr(s) = lr·min(1,(s+1)/w) · (0.1 + 0.9·(1 +
   * cos(π·s/S))/2).
   */
  static float learningRate(PretrainOptions o, long step, long totalSteps) {
    double warm = Math.min(1.0, (step + 1) / (double) Math.max(1, o.warmupSteps()));
    double cosine = 0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * step / Math.max(1, totalSteps)));
    return (float) (o.learningRate() * warm * cosine);
  }
}
