package io.cmrwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class FitCommandTest {

  @TempDir Path dir;

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    CommandLine cli = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int code = cli.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  private Path synthetic(long seed) throws Exception {
    Run synth = run("synth", "--seed", Long.toString(seed));
    assertThat(synth.code()).isZero();
    assertThat(synth.err()).contains("true CMR");
    Path file = dir.resolve("events-" + seed + ".jsonl");
    Files.writeString(file, synth.out());
    return file;
  }

  @Test
  void shouldPrintOneEstimatePerExperimentWithTheDocumentedFields() throws Exception {
    Path a = synthetic(5);
    Path b = synthetic(6);
    List<String> lines = new ArrayList<>(Files.readAllLines(a));
    lines.addAll(Files.readAllLines(b));
    lines.add(3, "{not json");
    lines.add(10, lines.get(12).replaceFirst("\"ratio\":[0-9.]+", "\"ratio\":1.5"));
    Path both = dir.resolve("both.jsonl");
    Files.write(both, lines);

    Run fit = run("fit", "--events", both.toString());
    assertThat(fit.code()).isZero();
    assertThat(fit.err())
        .contains("line 4: malformed_json")
        .contains("line 11: ratio_out_of_range");
    String[] out = fit.out().strip().split("\n");
    assertThat(out).hasSize(2);
    JsonNode e = new ObjectMapper().readTree(out[0]);
    assertThat(e.get("schema").asInt()).isEqualTo(1);
    assertThat(e.get("experiment").asText()).isEqualTo("synth-5");
    assertThat(e.get("status").asText()).isEqualTo("ok");
    assertThat(e.get("budgetTokens").asLong()).isPositive();
    double cmr = e.get("cmr").asDouble();
    assertThat(e.get("cmrLow").asDouble()).isLessThanOrEqualTo(cmr);
    assertThat(e.get("cmrHigh").asDouble()).isGreaterThanOrEqualTo(cmr);
    assertThat(e.get("cmrLaw").has("a4")).isTrue();
    assertThat(e.get("cmrLaw").has("s4")).isTrue();
    assertThat(e.get("cmrLaw").has("b3")).isTrue();
    JsonNode run = e.get("runs").get(0);
    for (String f :
        List.of(
            "run",
            "ratio",
            "points",
            "t0Tokens",
            "t0Low",
            "t0High",
            "feasible",
            "generalLossIncreaseAtBudget",
            "domainLaw",
            "generalLaw")) {
      assertThat(run.has(f)).as(f).isTrue();
    }
    assertThat(run.get("ratio").asDouble()).isBetween(0.0, 1.0);
  }

  @Test
  void shouldUseOnlyTheObservedFractionAndReportMissingFiles() throws Exception {
    Path a = synthetic(8);
    Run quarter = run("fit", "--events", a.toString(), "--observed-fraction", "0.25");
    assertThat(quarter.code()).isZero();
    assertThat(quarter.err()).contains("beyond the observed fraction");
    JsonNode e = new ObjectMapper().readTree(quarter.out().strip());
    for (JsonNode r : e.get("runs")) {
      assertThat(r.get("maxTokens").asLong())
          .isLessThanOrEqualTo(e.get("budgetTokens").asLong() / 4);
    }
    Run missing = run("fit", "--events", dir.resolve("nope.jsonl").toString());
    assertThat(missing.code()).isEqualTo(2);
    assertThat(missing.err()).contains("no such file");
    Run badEps = run("fit", "--events", a.toString(), "--epsilon", "NaN");
    assertThat(badEps.code()).isEqualTo(2);
    assertThat(badEps.err()).contains("epsilon");
  }

  @Test
  void shouldApplyOverridesOfEpsilonLambdaAndBudget() throws Exception {
    Path a = synthetic(9);
    Run fit =
        run(
            "fit",
            "--events",
            a.toString(),
            "--epsilon",
            "0.08",
            "--lambda",
            "500",
            "--budget",
            "1e10",
            "--token-unit",
            "1e8");
    assertThat(fit.code()).isZero();
    JsonNode e = new ObjectMapper().readTree(fit.out().strip());
    assertThat(e.get("epsilon").asDouble()).isEqualTo(0.08);
    assertThat(e.get("lambda").asDouble()).isEqualTo(500);
    assertThat(e.get("tokenUnit").asDouble()).isEqualTo(1e8);
    assertThat(e.get("budgetTokens").asLong()).isEqualTo(10_000_000_000L);
  }
}
