package io.cmrwatch.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.trainer.model.ModelConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training demo's real code path at a tiny size: pre-training, then two CPT runs taking turns
 * (train a slice, checkpoint, resume) until each reaches its budget, every evaluation reaching the
 * streams app through the broker.
 */
class TrainingDemoIT {

  @Test
  @Timeout(value = 8, unit = TimeUnit.MINUTES)
  void shouldTrainEveryRunToItsBudgetInTurnsAndSummariseThem(@TempDir Path dir) throws Exception {
    // 16 sequences of 16 bytes: 256 tokens a step, an evaluation every 2 steps, 2 evaluations a
    // turn.
    TrainingWorkload.Plan tiny =
        new TrainingWorkload.Plan(
            new ModelConfig(16, 1, 2, 16, 2),
            4_096,
            2_048,
            512,
            List.of(0.25, 1.0),
            16,
            3e-3f,
            2e-3f,
            8,
            2);
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Demo.Settings settings =
        new Demo.Settings(
            dir.resolve("data"), 0, 0, 0, Duration.ofMinutes(6), Duration.ofSeconds(1));
    try (Demo demo =
        Demo.start(settings, TrainingWorkload.of(tiny, dir.resolve("data")), lines::add)) {
      DemoSummary summary = demo.run();

      assertThat(summary.experiment()).isEqualTo(TrainingWorkload.EXPERIMENT);
      assertThat(summary.runs())
          .extracting(DemoSummary.RunLine::run)
          .containsExactly("r0250", "r1000");
      // Each run reported T = 0 and then every 512 tokens up to its budget, across two turns.
      assertThat(summary.runs())
          .allSatisfy(
              r -> {
                assertThat(r.tokens()).isEqualTo(2_048);
                assertThat(r.budgetTokens()).isEqualTo(2_048);
                assertThat(r.points()).isGreaterThanOrEqualTo(3);
              });
      assertThat(lines).anyMatch(l -> l.contains("trainer   turn 2: 4.1K of 4.1K CPT tokens"));
      assertThat(lines).noneMatch(l -> l.contains("failed"));
    }
  }
}
