package io.cmrwatch.trainer.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.trainer.advice.AdvicePolicy;
import io.cmrwatch.trainer.data.CorpusSource;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import io.cmrwatch.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forgetting phenomenon CMR is about, on a real (small) model: from one base, CPT with a high
 * domain share raises general loss more and lowers domain loss more than CPT with a low share.
 */
class PhenomenonTest {

  static final ModelConfig MODEL = new ModelConfig(48, 2, 4, 32, 4);
  static final int BATCH = 16;

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void shouldForgetMoreAndLearnMoreAtAHighDomainShare(@TempDir Path dir) throws Exception {
    TrainerMetrics metrics = new TrainerMetrics();
    Path base = dir.resolve("base");
    PretrainResult pre =
        new Pretrainer(metrics)
            .run(
                new PretrainOptions(
                    CorpusSource.of("builtin:general"),
                    Long.getLong("pt.tokens", 60_000),
                    base,
                    MODEL,
                    BATCH,
                    3e-3f,
                    20,
                    1,
                    0,
                    32,
                    "cpu",
                    true));
    System.out.print(pre.describe());
    long budget = Long.getLong("cpt.tokens", 20_000);
    CptResult low = cpt(metrics, base, 0.1, "low", budget);
    CptResult high = cpt(metrics, base, 0.9, "high", budget);
    System.out.println("low domain share (R = 0.1):");
    System.out.print(low.describe());
    System.out.println("high domain share (R = 0.9):");
    System.out.print(high.describe());

    assertThat(low.baseGeneralLoss()).isEqualTo(high.baseGeneralLoss());
    double genLow = low.last().generalLoss() - low.baseGeneralLoss();
    double genHigh = high.last().generalLoss() - high.baseGeneralLoss();
    double domLow = low.last().domainLoss() - low.baseDomainLoss();
    double domHigh = high.last().domainLoss() - high.baseDomainLoss();
    assertThat(genHigh).as("general-loss rise at R=0.9 vs R=0.1").isGreaterThan(genLow + 0.02);
    assertThat(domHigh).as("domain-loss change at R=0.9 vs R=0.1").isLessThan(domLow - 0.02);
  }

  private static CptResult cpt(
      TrainerMetrics metrics, Path base, double ratio, String run, long budget)
      throws InterruptedException {
    return new CptAgent(metrics)
        .run(
            new CptOptions()
                .base(base)
                .ratio(ratio)
                .budgetTokens(budget)
                .evalEvery(budget / 5)
                .experiment("phenomenon")
                .run(run)
                .batchSize(BATCH)
                .learningRate(Float.parseFloat(System.getProperty("cpt.lr", "2e-3")))
                .validationSequences(32)
                .advicePolicy(new AdvicePolicy(AdvicePolicy.Mode.OFF, 1, 0, 0.1))
                .device("cpu")
                .quiet(true));
  }
}
