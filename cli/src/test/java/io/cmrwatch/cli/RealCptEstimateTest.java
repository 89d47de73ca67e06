package io.cmrwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The CMR estimate on real training curves: the runs a user would train (a coarse grid of shares,
 * named in the truth file) from the recorded sweep {@code data/real-cpt/kjv-pystdlib-w64.jsonl},
 * fitted by {@code cmrwatch fit} with the whole budget observed, against the CMR measured from the
 * dense sweep's curves ({@code .truth.json}, made by {@code data/real-cpt/truth.py}).
 */
class RealCptEstimateTest {

  static final Path DATA = Path.of("..", "data", "real-cpt", "kjv-pystdlib-w64.jsonl");
  static final Path TRUTH = Path.of("..", "data", "real-cpt", "kjv-pystdlib-w64.truth.json");

  /**
   * The widest interval that still says something: the user's coarse grid is 10–20 pp apart, so an
   * interval wider than 20 pp tells no more than the trained shares' own curves do.
   */
  static final double INFORMATIVE_WIDTH = 0.20;

  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void shouldCoverTheMeasuredCmrWithAnInformativeIntervalWhenTheWholeBudgetIsObserved()
      throws Exception {
    JsonNode truth = JSON.readTree(TRUTH.toFile());
    double measured = truth.path("empiricalCmr").asDouble();
    // The measured CMR is known to within its seed-to-seed spread or the share grid's resolution
    // around it, whichever is larger; that is the margin the interval gets.
    double margin = truth.path("uncertainty").asDouble();
    assertThat(margin).isBetween(0.0, 0.1);
    Set<String> runs = new HashSet<>();
    truth.path("userRuns").forEach(r -> runs.add(r.asText()));
    assertThat(runs).hasSizeBetween(5, 7);

    Path subset = dir.resolve("user-runs.jsonl");
    List<String> lines = new ArrayList<>();
    for (String l : Files.readAllLines(DATA, StandardCharsets.UTF_8)) {
      if (!l.isBlank() && runs.contains(JSON.readTree(l).path("run").asText())) {
        lines.add(l);
      }
    }
    Files.write(subset, lines, StandardCharsets.UTF_8);
    long budget = truth.path("budgetTokens").asLong();

    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));
    int code =
        cli.execute(
            "fit",
            "--events",
            subset.toString(),
            "--observed-fraction",
            "1.0",
            "--token-unit",
            Double.toString(budget / 100.0));
    assertThat(code).isZero();
    JsonNode estimate = JSON.readTree(out.toString().strip());

    assertThat(estimate.path("status").asText()).as("%s", estimate).isEqualTo("ok");
    double low = estimate.path("cmrLow").asDouble();
    double high = estimate.path("cmrHigh").asDouble();
    assertThat(measured)
        .as(
            "measured CMR %.3f (±%.3f) inside the interval [%.3f, %.3f]",
            measured, margin, low, high)
        .isBetween(low - margin, high + margin);
    assertThat(high - low)
        .as("width of the interval [%.3f, %.3f]", low, high)
        .isLessThanOrEqualTo(INFORMATIVE_WIDTH);
  }
}
