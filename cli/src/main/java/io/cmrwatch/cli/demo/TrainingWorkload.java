package io.cmrwatch.cli.demo;

import io.cmrwatch.trainer.advice.AdvicePolicy;
import io.cmrwatch.trainer.agent.CptAgent;
import io.cmrwatch.trainer.agent.CptOptions;
import io.cmrwatch.trainer.agent.CptResult;
import io.cmrwatch.trainer.agent.PretrainOptions;
import io.cmrwatch.trainer.agent.PretrainResult;
import io.cmrwatch.trainer.agent.Pretrainer;
import io.cmrwatch.trainer.data.CorpusSource;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import io.cmrwatch.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Real continual pre-training with the trainer agent: pre-train a small byte-level model on the
 * built-in general corpus, then continue it from that base at several domain shares, each run
 * publishing its evaluations as loss events.
 */
final class TrainingWorkload implements Workload {

  /**
   * The sizes of the training demo, chosen so that it finishes well within 10 minutes on 2 CPU
   * cores.
   *
   * @param model model shape
   * @param pretrainTokens tokens of pre-training
   * @param budgetTokens CPT budget of each run
   * @param evalEvery evaluation interval of each run, in tokens
   * @param ratios the domain shares
   * @param batchSize sequences per step
   * @param pretrainLearningRate peak learning rate of pre-training
   * @param cptLearningRate learning rate of CPT
   * @param validationSequences held-out windows per evaluation
   * @param evalsPerTurn evaluations a run trains before the next run takes its turn
   */
  record Plan(
      ModelConfig model,
      long pretrainTokens,
      long budgetTokens,
      long evalEvery,
      List<Double> ratios,
      int batchSize,
      float pretrainLearningRate,
      float cptLearningRate,
      int validationSequences,
      int evalsPerTurn) {

    /** A copy with other token counts. */
    Plan withTokens(long pretrain, long budget, long eval) {
      return new Plan(
          model,
          pretrain,
          budget,
          eval,
          ratios,
          batchSize,
          pretrainLearningRate,
          cptLearningRate,
          validationSequences,
          evalsPerTurn);
    }
  }

  static final Plan STANDARD =
      new Plan(
          new ModelConfig(48, 2, 4, 32, 4),
          120_000,
          48_000,
          2_048,
          List.of(1 / 8.0, 1 / 4.0, 1 / 3.0, 1 / 2.0, 3 / 4.0, 1.0),
          16,
          3e-3f,
          2e-3f,
          32,
          4);

  /**
   * The demo on real text (the corpora of {@code data/corpora.sh}): the reference sweep's model
   * shape and learning rates (docs/real-cpt.md) at a size that trains within the demo's 10 minutes
   * on a busy 2-core machine, at shares around the CMR that sweep measured (22.5 %).
   */
  static final Plan REAL =
      new Plan(
          new ModelConfig(64, 2, 4, 64, 4),
          300_000,
          98_304,
          4_096,
          List.of(0.1, 0.15, 0.2, 0.25, 0.3, 0.4),
          16,
          2e-3f,
          1e-3f,
          32,
          4);

  static final String EXPERIMENT = "demo-bytelm-cpt";

  /** The experiment id of the demo on real text. */
  static final String REAL_EXPERIMENT = "demo-realtext-cpt";

  /**
   * The general and domain corpora: the built-in generated ones, or the real ones built by {@code
   * data/corpora.sh}.
   *
   * @param general general (replay) corpus source
   * @param domain domain corpus source
   * @param experiment the experiment id its events carry
   */
  record Corpora(String general, String domain, String experiment) {

    static final Corpora BUILTIN = new Corpora("builtin:general", "builtin:domain", EXPERIMENT);

    /**
     * {@code DIR/general.txt} and {@code DIR/domain.txt}, as {@code data/corpora.sh} writes them.
     */
    static Corpora real(Path dir) {
      return new Corpora(
          dir.resolve("general.txt").toString(),
          dir.resolve("domain.txt").toString(),
          REAL_EXPERIMENT);
    }

    boolean builtin() {
      return general.startsWith("builtin:");
    }
  }

  private final Plan plan;
  private final Path dir;
  private final Corpora corpora;
  private final TrainerMetrics metrics = new TrainerMetrics();

  TrainingWorkload(Plan plan, Path dir, Corpora corpora) {
    this.plan = plan;
    this.dir = dir;
    this.corpora = corpora;
  }

  static TrainingWorkload of(Plan plan, Path dataDir) {
    return of(plan, dataDir, Corpora.BUILTIN);
  }

  static TrainingWorkload of(Plan plan, Path dataDir, Corpora corpora) {
    return new TrainingWorkload(plan, dataDir.resolve("training"), corpora);
  }

  @Override
  public String experiment() {
    return corpora.experiment();
  }

  @Override
  public String describe() {
    return String.format(
        Locale.ROOT,
        "real CPT on DJL: pre-train a %d-layer width-%d byte-level model on %s (%s tokens), then %d runs "
            + "taking turns at domain shares %s on %s, budget %s tokens each, evaluated every %s tokens",
        plan.model().layers(),
        plan.model().width(),
        corpora.builtin() ? corpora.general() : "English prose (" + corpora.general() + ")",
        Format.tokens(plan.pretrainTokens()),
        plan.ratios().size(),
        plan.ratios().stream().map(Format::pct).toList(),
        corpora.builtin() ? corpora.domain() : "Python source (" + corpora.domain() + ")",
        Format.tokens(plan.budgetTokens()),
        Format.tokens(plan.evalEvery()));
  }

  // The paper measures tokens in units of 0.2 B with a 20 B budget: 100 units. The same proportion
  // keeps the fitted
  // exponents in the range the fits are bounded to, for a budget of a few ten thousand tokens.
  @Override
  public Map<String, String> streamsSettings() {
    return Map.of("cmrwatch.defaults.token-unit", Double.toString(plan.budgetTokens() / 100.0));
  }

  @Override
  public List<String> openEndpoints() {
    int port = metrics.serve("127.0.0.1", 0);
    return List.of("trainer   metrics http://127.0.0.1:" + port + "/metrics");
  }

  @Override
  public String run(String bootstrap, Instant deadline, Consumer<String> out) throws Exception {
    long t0 = System.nanoTime();
    out.accept(LocalTime.now().withNano(0) + "  trainer   pre-training the base model ...");
    PretrainResult base =
        new Pretrainer(metrics)
            .run(
                new PretrainOptions(
                    CorpusSource.of(corpora.general()),
                    plan.pretrainTokens(),
                    dir.resolve("base"),
                    plan.model(),
                    plan.batchSize(),
                    plan.pretrainLearningRate(),
                    20,
                    1,
                    0,
                    plan.validationSequences(),
                    "cpu",
                    true));
    out.accept(
        String.format(
            Locale.ROOT,
            "%s  trainer   base model ready: %,d parameters, general validation loss %.3f, %.0f tokens/s, %.0f s",
            LocalTime.now().withNano(0),
            base.parameters(),
            base.validationLoss(),
            base.tokensPerSecond(),
            base.seconds()));

    // PyTorch (through DJL) records gradients for one training loop at a time in a process, so the
    // runs cannot
    // train on parallel threads. They take turns instead: each trains a slice of a few evaluations,
    // checkpoints, and
    // resumes from its checkpoint on its next turn — so all ratios advance together and the
    // estimate converges live.
    long tokensPerStep = (long) plan.batchSize() * plan.model().context();
    long stepsPerEval = Math.max(1, plan.evalEvery() / tokensPerStep);
    long sliceSteps = stepsPerEval * plan.evalsPerTurn();
    List<CptOptions> runs = new ArrayList<>();
    for (double ratio : plan.ratios()) {
      String run = String.format(Locale.ROOT, "r%04d", Math.round(ratio * 1000));
      runs.add(
          new CptOptions()
              .base(base.out())
              .general(CorpusSource.of(corpora.general()))
              .domain(CorpusSource.of(corpora.domain()))
              .ratio(ratio)
              .budgetTokens(plan.budgetTokens())
              .evalEvery(stepsPerEval * tokensPerStep)
              .experiment(corpora.experiment())
              .run(run)
              .bootstrap(bootstrap)
              .batchSize(plan.batchSize())
              .learningRate(plan.cptLearningRate())
              .validationSequences(plan.validationSequences())
              .checkpointDir(dir.resolve("cpt").resolve(run))
              .maxSteps(sliceSteps)
              .advicePolicy(new AdvicePolicy(AdvicePolicy.Mode.OFF, 0.5, plan.evalEvery(), 0.1))
              .device("cpu")
              .quiet(true));
    }
    CptAgent agent = new CptAgent(metrics);
    Map<String, CptResult> last = new LinkedHashMap<>();
    int turn = 0;
    while (last.values().stream().filter(CptResult::complete).count() < runs.size()) {
      turn++;
      for (CptOptions o : runs) {
        CptResult done = last.get(o.run());
        if (done != null && done.complete()) {
          continue;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new InterruptedException("time limit");
        }
        CptResult r = agent.run(o);
        last.put(o.run(), r);
        if (r.eventsFailed() > 0) {
          throw new IllegalStateException(
              r.eventsFailed()
                  + " evaluations of run "
                  + o.run()
                  + " could not be published — see the log");
        }
      }
      long tokens = last.values().stream().mapToLong(CptResult::tokens).sum();
      out.accept(
          String.format(
              Locale.ROOT,
              "%s  trainer   turn %d: %s of %s CPT tokens trained across %d runs",
              LocalTime.now().withNano(0),
              turn,
              Format.tokens(tokens),
              Format.tokens(plan.budgetTokens() * runs.size()),
              runs.size()));
    }
    StringBuilder s = new StringBuilder();
    for (CptResult r : last.values()) {
      s.append(
          String.format(
              Locale.ROOT,
              "trainer: run %s (R = %s): %s tokens, general loss %+.3f, domain loss %+.3f%n",
              r.run(),
              Format.pct(r.finalRatio()),
              Format.tokens(r.tokens()),
              r.last().generalLoss() - r.baseGeneralLoss(),
              r.last().domainLoss() - r.baseDomainLoss()));
    }
    s.append(
        String.format(
            Locale.ROOT,
            "trainer: pre-training and %d CPT runs done in %.0f s",
            runs.size(),
            (System.nanoTime() - t0) / 1e9));
    return s.toString();
  }

  @Override
  public void close() {
    metrics.close();
  }
}
