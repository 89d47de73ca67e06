package io.cmrwatch.trainer.agent;

import io.cmrwatch.trainer.advice.AdvicePolicy;
import io.cmrwatch.trainer.data.CorpusSource;
import java.nio.file.Path;

/**
 * Everything one continual-pre-training run needs. Fluent setters; {@link #validate()} checks the
 * combination and says what to fix.
 */
public final class CptOptions {

  Path base;
  CorpusSource general = CorpusSource.of("builtin:general");
  CorpusSource domain = CorpusSource.of("builtin:domain");
  double ratio = Double.NaN;
  long budgetTokens;
  long evalEvery;
  String experiment;
  String run;
  String bootstrap;
  Path eventsFile;
  String topicPrefix = "";
  int batchSize = 16;
  float learningRate = 1e-3f;
  int warmupSteps = 10;
  long seed = 1;
  Path checkpointDir;
  int checkpointEvery = 1;
  long maxSteps;
  AdvicePolicy advicePolicy = new AdvicePolicy(AdvicePolicy.Mode.LOG, 0.5, 0, 0.1);
  int validationSequences = 64;
  String device = "auto";
  Integer metricsPort;
  String metricsHost = "127.0.0.1";
  boolean quiet;

  public CptOptions base(Path v) {
    base = v;
    return this;
  }

  public CptOptions general(CorpusSource v) {
    general = v;
    return this;
  }

  public CptOptions domain(CorpusSource v) {
    domain = v;
    return this;
  }

  public CptOptions ratio(double v) {
    ratio = v;
    return this;
  }

  public CptOptions budgetTokens(long v) {
    budgetTokens = v;
    return this;
  }

  public CptOptions evalEvery(long v) {
    evalEvery = v;
    return this;
  }

  public CptOptions experiment(String v) {
    experiment = v;
    return this;
  }

  public CptOptions run(String v) {
    run = v;
    return this;
  }

  /**
   * Kafka bootstrap servers; null trains without publishing (the result still holds every
   * evaluation).
   */
  public CptOptions bootstrap(String v) {
    bootstrap = v;
    return this;
  }

  /**
   * Also append every evaluation's loss event to this JSONL file (events already in it are not
   * written again); null: no file.
   */
  public CptOptions eventsFile(Path v) {
    eventsFile = v;
    return this;
  }

  public CptOptions topicPrefix(String v) {
    topicPrefix = v == null ? "" : v;
    return this;
  }

  public CptOptions batchSize(int v) {
    batchSize = v;
    return this;
  }

  public CptOptions learningRate(float v) {
    learningRate = v;
    return this;
  }

  public CptOptions warmupSteps(int v) {
    warmupSteps = v;
    return this;
  }

  public CptOptions seed(long v) {
    seed = v;
    return this;
  }

  /**
   * Where to keep checkpoints; a run whose directory holds one resumes from it. Null: no
   * checkpoints.
   */
  public CptOptions checkpointDir(Path v) {
    checkpointDir = v;
    return this;
  }

  /** Checkpoint after every {@code v}-th evaluation. */
  public CptOptions checkpointEvery(int v) {
    checkpointEvery = v;
    return this;
  }

  /** Stop after this many optimizer steps in this invocation (0: no limit); the smoke mode. */
  public CptOptions maxSteps(long v) {
    maxSteps = v;
    return this;
  }

  public CptOptions advicePolicy(AdvicePolicy v) {
    advicePolicy = v;
    return this;
  }

  public CptOptions validationSequences(int v) {
    validationSequences = v;
    return this;
  }

  public CptOptions device(String v) {
    device = v;
    return this;
  }

  /** Serve metrics on this port (0: any free port); null: no metrics endpoint. */
  public CptOptions metricsPort(Integer v) {
    metricsPort = v;
    return this;
  }

  public CptOptions metricsHost(String v) {
    metricsHost = v;
    return this;
  }

  public CptOptions quiet(boolean v) {
    quiet = v;
    return this;
  }

  public String run() {
    return run;
  }

  public double ratio() {
    return ratio;
  }

  /**
   * A copy for another run of a sweep: same everything, another ratio, run id and checkpoint
   * directory.
   */
  public CptOptions forSweep(double r, String runId, Path checkpoints) {
    CptOptions o = copy();
    o.ratio = r;
    o.run = runId;
    o.checkpointDir = checkpoints;
    return o;
  }

  private CptOptions copy() {
    CptOptions o = new CptOptions();
    o.base = base;
    o.general = general;
    o.domain = domain;
    o.ratio = ratio;
    o.budgetTokens = budgetTokens;
    o.evalEvery = evalEvery;
    o.experiment = experiment;
    o.run = run;
    o.bootstrap = bootstrap;
    o.eventsFile = eventsFile;
    o.topicPrefix = topicPrefix;
    o.batchSize = batchSize;
    o.learningRate = learningRate;
    o.warmupSteps = warmupSteps;
    o.seed = seed;
    o.checkpointDir = checkpointDir;
    o.checkpointEvery = checkpointEvery;
    o.maxSteps = maxSteps;
    o.advicePolicy = advicePolicy;
    o.validationSequences = validationSequences;
    o.device = device;
    o.metricsPort = metricsPort;
    o.metricsHost = metricsHost;
    o.quiet = quiet;
    return o;
  }

  /** Checks the options; throws {@link IllegalArgumentException} naming the option to fix. */
  public CptOptions validate() {
    if (base == null) {
      throw new IllegalArgumentException(
          "--base is required: a checkpoint made by `cmrwatch train pretrain`");
    }
    if (!(ratio > 0 && ratio <= 1)) {
      throw new IllegalArgumentException("--ratio must be a domain share in (0, 1], got " + ratio);
    }
    if (budgetTokens <= 0) {
      throw new IllegalArgumentException("--budget-tokens must be > 0, got " + budgetTokens);
    }
    if (evalEvery <= 0) {
      throw new IllegalArgumentException("--eval-every must be > 0 tokens, got " + evalEvery);
    }
    if (experiment == null || experiment.isBlank() || run == null || run.isBlank()) {
      throw new IllegalArgumentException(
          "--experiment and --run are required (ids without white space)");
    }
    if (batchSize < 1
        || learningRate <= 0
        || warmupSteps < 0
        || checkpointEvery < 1
        || maxSteps < 0) {
      throw new IllegalArgumentException(
          "--batch-size >= 1, --lr > 0, --warmup-steps >= 0, --checkpoint-every >= 1, --max-steps >= 0 required");
    }
    if (validationSequences < 1) {
      throw new IllegalArgumentException(
          "--validation-sequences must be >= 1, got " + validationSequences);
    }
    return this;
  }
}
