package io.cmrwatch.trainer.agent;

import io.cmrwatch.trainer.data.CorpusSource;
import io.cmrwatch.trainer.model.ModelConfig;
import java.nio.file.Path;

/**
 * Settings of a pre-training run: the general corpus, the token count, the model shape and the
 * optimizer.
 *
 * @param corpus the general corpus
 * @param tokens tokens to train on
 * @param out checkpoint directory to write
 * @param model model shape
 * @param batchSize sequences per step
 * @param learningRate peak learning rate
 * @param warmupSteps linear warm-up steps
 * @param seed seed of initialisation and sampling
 * @param maxSteps stop after this many steps (0: no limit); the smoke mode
 * @param validationSequences held-out windows for the final validation loss
 * @param device auto, cpu or gpu
 * @param quiet no progress bar
 */
public record PretrainOptions(
    CorpusSource corpus,
    long tokens,
    Path out,
    ModelConfig model,
    int batchSize,
    float learningRate,
    int warmupSteps,
    long seed,
    long maxSteps,
    int validationSequences,
    String device,
    boolean quiet) {

  public PretrainOptions {
    if (corpus == null || out == null || model == null) {
      throw new IllegalArgumentException("--corpus and --out are required");
    }
    if (tokens <= 0) {
      throw new IllegalArgumentException("--tokens must be > 0, got " + tokens);
    }
    if (batchSize < 1
        || learningRate <= 0
        || warmupSteps < 0
        || maxSteps < 0
        || validationSequences < 1) {
      throw new IllegalArgumentException(
          "--batch-size >= 1, --lr > 0, --warmup-steps >= 0, --max-steps >= 0, --validation-sequences >= 1 required");
    }
  }
}
