package io.cmrwatch.trainer.command;

import io.cmrwatch.trainer.agent.PretrainOptions;
import io.cmrwatch.trainer.agent.PretrainResult;
import io.cmrwatch.trainer.agent.Pretrainer;
import io.cmrwatch.trainer.data.CorpusSource;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import io.cmrwatch.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cmrwatch train pretrain}: trains the base model on the general corpus and writes a
 * checkpoint.
 */
@Command(
    name = "pretrain",
    mixinStandardHelpOptions = true,
    description =
        "Pre-train the base model on a general corpus and save it as a checkpoint directory.")
public final class PretrainCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(PretrainCommand.class);

  @Option(
      names = "--corpus",
      defaultValue = "builtin:general",
      description =
          "General corpus: builtin:general, or files/directories of UTF-8 text or JSONL, comma-separated "
              + "(${DEFAULT-VALUE}).")
  String corpus;

  @Option(
      names = "--text-field",
      defaultValue = "text",
      description = "Text field of JSONL lines (${DEFAULT-VALUE}).")
  String textField;

  @Option(
      names = "--tokens",
      required = true,
      converter = TokenCount.class,
      description = "Tokens (bytes) to train on: 2000000, 2e6 or 2M.")
  long tokens;

  @Option(names = "--out", required = true, description = "Checkpoint directory to write.")
  Path out;

  @Option(
      names = "--width",
      defaultValue = "64",
      description = "Embedding width (${DEFAULT-VALUE}).")
  int width;

  @Option(
      names = "--layers",
      defaultValue = "2",
      description = "Decoder blocks (${DEFAULT-VALUE}).")
  int layers;

  @Option(
      names = "--heads",
      defaultValue = "4",
      description = "Attention heads (${DEFAULT-VALUE}).")
  int heads;

  @Option(
      names = "--context",
      defaultValue = "64",
      description = "Context length in bytes (${DEFAULT-VALUE}).")
  int context;

  @Option(
      names = "--ffn-multiplier",
      defaultValue = "4",
      description = "Feed-forward width as a multiple of the width (${DEFAULT-VALUE}).")
  int ffnMultiplier;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() throws Exception {
    engine.configureEngine();
    try (TrainerMetrics metrics = new TrainerMetrics()) {
      if (engine.metricsPort != null) {
        int port = metrics.serve(engine.metricsHost, engine.metricsPort);
        LOG.info("metrics on http://{}:{}/metrics", engine.metricsHost, port);
      }
      PretrainOptions options =
          new PretrainOptions(
              new CorpusSource(corpus, textField, 0.05, 4 << 20),
              tokens,
              out,
              new ModelConfig(width, layers, heads, context, ffnMultiplier),
              engine.batchSize,
              engine.learningRate,
              engine.warmupSteps,
              engine.seed,
              engine.maxSteps,
              engine.validationSequences,
              engine.device,
              engine.quiet);
      PretrainResult result = new Pretrainer(metrics).run(options);
      System.out.print(result.describe());
      return 0;
    } catch (IllegalArgumentException e) {
      LOG.error("{}", e.getMessage());
      return 2;
    }
  }
}
