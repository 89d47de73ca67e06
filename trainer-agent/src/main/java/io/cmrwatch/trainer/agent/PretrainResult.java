package io.cmrwatch.trainer.agent;

import io.cmrwatch.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What pre-training produced.
 *
 * @param out the checkpoint directory written
 * @param model the model shape
 * @param parameters trainable scalars
 * @param device device trained on
 * @param tokens tokens trained
 * @param steps optimizer steps
 * @param firstLoss training loss of the first step
 * @param lastLoss mean training loss of the last few steps
 * @param validationLoss general validation loss at the end
 * @param tokensPerSecond training throughput
 * @param seconds wall-clock time
 */
public record PretrainResult(
    Path out,
    ModelConfig model,
    long parameters,
    String device,
    long tokens,
    long steps,
    double firstLoss,
    double lastLoss,
    double validationLoss,
    double tokensPerSecond,
    double seconds) {

  /** One paragraph for the terminal. */
  public String describe() {
    return String.format(
        Locale.ROOT,
        "pre-trained %,d-parameter model (width %d, %d layers, %d heads, context %d) on %s%n"
            + "%,d tokens in %,d steps, %.0f tok/s, %.1f s; training loss %.4f -> %.4f; general validation loss %.4f%n"
            + "checkpoint: %s%n",
        parameters,
        model.width(),
        model.layers(),
        model.heads(),
        model.context(),
        device,
        tokens,
        steps,
        tokensPerSecond,
        seconds,
        firstLoss,
        lastLoss,
        validationLoss,
        out.toAbsolutePath());
  }
}
