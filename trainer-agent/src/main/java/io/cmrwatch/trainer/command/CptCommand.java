package io.cmrwatch.trainer.command;

import io.cmrwatch.kafka.cli.KafkaOptions;
import io.cmrwatch.trainer.advice.AdvicePolicy;
import io.cmrwatch.trainer.agent.CptAgent;
import io.cmrwatch.trainer.agent.CptOptions;
import io.cmrwatch.trainer.agent.CptResult;
import io.cmrwatch.trainer.data.CorpusSource;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code cmrwatch train cpt}: continues a base model on a general/domain mix, publishing every
 * evaluation as a loss event and taking ratio advice under a policy; {@code --ratios} runs a sweep
 * from the same base.
 */
@Command(
    name = "cpt",
    mixinStandardHelpOptions = true,
    description =
        "Continual pre-training from a base checkpoint on a mix at domain share R; publishes loss events, "
            + "takes ratio advice, checkpoints and resumes.")
public final class CptCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(CptCommand.class);

  @Option(
      names = "--base",
      required = true,
      description = "Base checkpoint directory (from `train pretrain`).")
  Path base;

  @Option(
      names = "--general",
      defaultValue = "builtin:general",
      description =
          "General (replay) corpus: builtin:general or files/directories (${DEFAULT-VALUE}).")
  String general;

  @Option(
      names = "--domain",
      defaultValue = "builtin:domain",
      description = "Domain corpus: builtin:domain or files/directories (${DEFAULT-VALUE}).")
  String domain;

  @Option(
      names = "--text-field",
      defaultValue = "text",
      description = "Text field of JSONL lines (${DEFAULT-VALUE}).")
  String textField;

  @Option(names = "--ratio", description = "Domain share R in (0, 1].")
  Double ratio;

  @Option(
      names = "--ratios",
      split = ",",
      description = "A sweep: one run per ratio, from the same base.")
  List<Double> ratios;

  @Option(
      names = "--budget-tokens",
      required = true,
      converter = TokenCount.class,
      description = "Token budget T_max of the run.")
  long budgetTokens;

  @Option(
      names = "--eval-every",
      required = true,
      converter = TokenCount.class,
      description = "Evaluate both validation losses every this many tokens.")
  long evalEvery;

  @Option(names = "--experiment", required = true, description = "Experiment id.")
  String experiment;

  @Option(
      names = "--run",
      required = true,
      description = "Run id (the Kafka key); a sweep appends -r<ratio> for each ratio.")
  String run;

  @Mixin KafkaOptions kafka;

  @Option(names = "--no-publish", description = "Train and print the evaluations without Kafka.")
  boolean noPublish;

  @Option(
      names = "--events-out",
      paramLabel = "FILE",
      description =
          "Also append every loss event to this JSONL file (a resumed run appends only new ones).")
  Path eventsOut;

  @Option(
      names = "--checkpoint-dir",
      description =
          "Checkpoints of the run; a run finding one there resumes (default checkpoints/<experiment>/<run>).")
  Path checkpointDir;

  @Option(
      names = "--checkpoint-every",
      defaultValue = "1",
      description = "Checkpoint after every N-th evaluation (${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(
      names = "--advice-policy",
      defaultValue = "log",
      description =
          "What to do with ratio advice: off, log (advisory only) or apply (${DEFAULT-VALUE}).")
  AdvicePolicy.Mode advicePolicy;

  @Option(
      names = "--advice-window",
      defaultValue = "0.5",
      description = "Apply advice only within this share of the budget (${DEFAULT-VALUE}).")
  double adviceWindow;

  @Option(
      names = "--advice-min-gap-tokens",
      converter = TokenCount.class,
      description = "At most one ratio change per this many tokens (default: --eval-every).")
  Long adviceMinGap;

  @Option(
      names = "--advice-max-step",
      defaultValue = "0.1",
      description = "Largest ratio change at once (${DEFAULT-VALUE}).")
  double adviceMaxStep;

  @Mixin EngineOptions engine;

  @Override
  public Integer call() throws Exception {
    engine.configureEngine();
    List<Double> sweep = new ArrayList<>();
    if (ratios != null && !ratios.isEmpty()) {
      sweep.addAll(ratios);
    } else if (ratio != null) {
      sweep.add(ratio);
    } else {
      LOG.error("give --ratio R or --ratios R1,R2,... (domain shares in (0, 1])");
      return 2;
    }
    try (TrainerMetrics metrics = new TrainerMetrics()) {
      if (engine.metricsPort != null) {
        int port = metrics.serve(engine.metricsHost, engine.metricsPort);
        LOG.info("metrics on http://{}:{}/metrics", engine.metricsHost, port);
      }
      CptOptions template =
          new CptOptions()
              .base(base)
              .general(new CorpusSource(general, textField, 0.05, 4 << 20))
              .domain(new CorpusSource(domain, textField, 0.05, 4 << 20))
              .budgetTokens(budgetTokens)
              .evalEvery(evalEvery)
              .experiment(experiment)
              .bootstrap(noPublish ? null : kafka.bootstrap())
              .eventsFile(eventsOut)
              .topicPrefix(kafka.topicPrefix())
              .batchSize(engine.batchSize)
              .learningRate(engine.learningRate)
              .warmupSteps(engine.warmupSteps)
              .seed(engine.seed)
              .checkpointEvery(checkpointEvery)
              .maxSteps(engine.maxSteps)
              .advicePolicy(
                  new AdvicePolicy(
                      advicePolicy,
                      adviceWindow,
                      adviceMinGap == null ? evalEvery : adviceMinGap,
                      adviceMaxStep))
              .validationSequences(engine.validationSequences)
              .device(engine.device)
              .quiet(engine.quiet);
      CptAgent agent = new CptAgent(metrics);
      for (double r : sweep) {
        String runId = sweep.size() == 1 ? run : run + "-r" + String.format(Locale.ROOT, "%.3f", r);
        Path dir =
            checkpointDir != null
                ? (sweep.size() == 1 ? checkpointDir : checkpointDir.resolve(runId))
                : Path.of("checkpoints", experiment, runId);
        CptResult result = agent.run(template.forSweep(r, runId, dir));
        System.out.print(result.describe());
        if (result.eventsFailed() > 0) {
          LOG.error(
              "{} evaluations of run {} could not be published", result.eventsFailed(), runId);
          return 1;
        }
      }
      return 0;
    } catch (IllegalArgumentException e) {
      LOG.error("{}", e.getMessage());
      return 2;
    }
  }
}
