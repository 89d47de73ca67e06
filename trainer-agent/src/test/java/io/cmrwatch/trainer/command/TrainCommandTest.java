package io.cmrwatch.trainer.command;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.trainer.agent.CheckpointState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The commands' smoke mode: the real code path, two steps each, without Kafka. */
class TrainCommandTest {

  @Test
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  void shouldPretrainAndContinueInSmokeMode(@TempDir Path dir) {
    CommandLine cli = new CommandLine(new TrainCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    Path base = dir.resolve("base");
    int pre =
        cli.execute(
            "pretrain",
            "--tokens",
            "20k",
            "--out",
            base.toString(),
            "--max-steps",
            "2",
            "--width",
            "32",
            "--layers",
            "1",
            "--heads",
            "2",
            "--context",
            "16",
            "--batch-size",
            "4",
            "--device",
            "cpu",
            "-q");
    assertThat(pre).isZero();
    assertThat(base.resolve("model.json")).exists();

    Path checkpoints = dir.resolve("ckpt");
    int cpt =
        cli.execute(
            "cpt",
            "--base",
            base.toString(),
            "--ratio",
            "0.25",
            "--budget-tokens",
            "10k",
            "--eval-every",
            "2k",
            "--experiment",
            "x",
            "--run",
            "r",
            "--no-publish",
            "--max-steps",
            "2",
            "--checkpoint-dir",
            checkpoints.toString(),
            "--batch-size",
            "4",
            "--device",
            "cpu",
            "-q");
    assertThat(cpt).isZero();
    CheckpointState state = CheckpointState.read(checkpoints);
    assertThat(state.evaluations()).hasSize(1);
    assertThat(state.ratio()).isEqualTo(0.25);
  }

  @Test
  void shouldRefuseBadOptionsWithAnExitCode(@TempDir Path dir) throws Exception {
    CommandLine cli = new CommandLine(new TrainCommand()).setCaseInsensitiveEnumValuesAllowed(true);
    assertThat(
            cli.execute(
                "cpt",
                "--base",
                dir.toString(),
                "--ratio",
                "1.5",
                "--budget-tokens",
                "1k",
                "--eval-every",
                "100",
                "--experiment",
                "x",
                "--run",
                "r",
                "--no-publish",
                "--device",
                "cpu"))
        .isEqualTo(2);
    Files.createDirectories(dir.resolve("empty"));
    assertThat(
            cli.execute(
                "cpt",
                "--base",
                dir.resolve("empty").toString(),
                "--ratio",
                "0.5",
                "--budget-tokens",
                "1k",
                "--eval-every",
                "100",
                "--experiment",
                "x",
                "--run",
                "r",
                "--no-publish",
                "--device",
                "cpu",
                "--checkpoint-dir",
                dir.resolve("c").toString()))
        .isEqualTo(2);
    assertThat(
            cli.execute(
                "cpt",
                "--base",
                dir.toString(),
                "--budget-tokens",
                "1k",
                "--eval-every",
                "100",
                "--experiment",
                "x",
                "--run",
                "r"))
        .isEqualTo(2);
  }
}
