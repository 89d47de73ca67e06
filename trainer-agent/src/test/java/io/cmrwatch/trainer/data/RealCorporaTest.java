package io.cmrwatch.trainer.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.trainer.advice.AdvicePolicy;
import io.cmrwatch.trainer.agent.CptAgent;
import io.cmrwatch.trainer.agent.CptOptions;
import io.cmrwatch.trainer.agent.CptResult;
import io.cmrwatch.trainer.agent.PretrainOptions;
import io.cmrwatch.trainer.agent.Pretrainer;
import io.cmrwatch.trainer.metrics.TrainerMetrics;
import io.cmrwatch.trainer.model.ModelConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real corpora of {@code data/corpora.sh}, built from Debian packages (bible-kjv,
 * debian-reference-en, the Python standard library): each at least 5 MB, the same bytes on every
 * build, prose on one side and code on the other — and a model pre-trained on the prose finds the
 * code much harder to predict than held-out prose, which is the shift CPT is about.
 */
class RealCorporaTest {

  @TempDir static Path dir;
  static String firstBuild;

  @BeforeAll
  static void build() throws Exception {
    firstBuild = runScript(dir.resolve("a"));
  }

  @Test
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  void shouldBuildTwoCorporaOfAtLeastFiveMegabytesTheSameEveryTime() throws Exception {
    Path general = dir.resolve("a/general.txt");
    Path domain = dir.resolve("a/domain.txt");
    assertThat(Files.size(general)).isGreaterThanOrEqualTo(5_000_000);
    assertThat(Files.size(domain)).isGreaterThanOrEqualTo(5_000_000);
    assertThat(sha256s(runScript(dir.resolve("b")))).isEqualTo(sha256s(firstBuild));

    String prose = Files.readString(general, StandardCharsets.UTF_8);
    String code = Files.readString(domain, StandardCharsets.UTF_8);
    assertThat(prose).contains("In the beginning God created the heaven and the earth.");
    assertThat(prose).doesNotContainPattern("Ge1:1 ");
    assertThat(code).contains("def ", "import ", "class ");
    // Prose and code in very different measure: Python definitions per megabyte.
    assertThat(count(code, "\ndef |\n    def ") / (code.length() / 1e6)).isGreaterThan(500);
    assertThat(count(prose, "\ndef |\n    def ") / (prose.length() / 1e6)).isLessThan(20);
    // The stdlib's tests are left out.
    assertThat(code).doesNotContain("import unittest\nfrom test import support");
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void shouldGiveAModelPreTrainedOnTheProseAMuchHigherLossOnTheCode(@TempDir Path work)
      throws Exception {
    TrainerMetrics metrics = new TrainerMetrics();
    String general = dir.resolve("a/general.txt").toString();
    String domain = dir.resolve("a/domain.txt").toString();
    new Pretrainer(metrics)
        .run(
            new PretrainOptions(
                CorpusSource.of(general),
                60_000,
                work.resolve("base"),
                new ModelConfig(32, 1, 2, 32, 4),
                16,
                3e-3f,
                20,
                1,
                0,
                32,
                "cpu",
                true));
    CptResult r =
        new CptAgent(metrics)
            .run(
                new CptOptions()
                    .base(work.resolve("base"))
                    .general(CorpusSource.of(general))
                    .domain(CorpusSource.of(domain))
                    .ratio(0.5)
                    .budgetTokens(512)
                    .evalEvery(512)
                    .experiment("real-corpora")
                    .run("r0500")
                    .batchSize(16)
                    .validationSequences(64)
                    .advicePolicy(new AdvicePolicy(AdvicePolicy.Mode.OFF, 1, 0, 0.1))
                    .device("cpu")
                    .quiet(true));
    System.out.print(r.describe());
    assertThat(r.baseGeneralLoss()).isLessThan(3.0);
    assertThat(r.baseDomainLoss()).isGreaterThan(r.baseGeneralLoss() + 0.3);
  }

  private static String runScript(Path out) throws IOException, InterruptedException {
    Path script = Path.of("..", "data", "corpora.sh").toAbsolutePath().normalize();
    Process p =
        new ProcessBuilder("bash", script.toString(), "--out", out.toString())
            .redirectErrorStream(true)
            .start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue())
        .as(
            "data/corpora.sh failed (the Debian packages bible-kjv, debian-reference-en and python3 are"
                + " needed; .ci/run installs them):%n%s",
            output)
        .isZero();
    return output;
  }

  private static String sha256s(String output) {
    StringBuilder s = new StringBuilder();
    Matcher m = Pattern.compile("sha256 ([0-9a-f]{64})").matcher(output);
    while (m.find()) {
      s.append(m.group(1)).append(' ');
    }
    assertThat(s.toString()).as("checksums in %s", output).hasSize(2 * 65);
    return s.toString();
  }

  private static long count(String text, String regex) {
    return Pattern.compile(regex).matcher(text).results().count();
  }
}
