package io.cmrwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import picocli.CommandLine;

class LawCommandTest {

  @TempDir Path dir;

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = Main.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    return cl.execute(args);
  }

  /**
   * The paper's CMR laws per model size (T in units of 0.2 B tokens), sampled at T = 5, 10, ...,
   * 100 and refitted by the command: the CMR at a 20 B-token budget (T = 100) must come back within
   * 0.1 percentage point of the published figure.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "460M, 0.22524761, 0.26944345, -0.48139982, 0.2976",
    "940M, 0.7520627, 0.13720245, -1.06581937, 0.3489",
    "1.6B, -2.36384831, -0.15125569, 1.59223649, 0.4143",
    "3.1B, -2.5368197, -0.42071423, 0.84375368, 0.4783"
  })
  void shouldRecoverThePublishedCmrAtTwentyBillionTokens(
      String model, double a4, double s4, double b3, double cmr) throws Exception {
    StringBuilder csv = new StringBuilder("T,cmr\n");
    for (int t = 5; t <= 100; t += 5) {
      csv.append(String.format(Locale.ROOT, "%d,%.10f%n", t, a4 * Math.pow(t, s4) + b3));
    }
    Path file = Files.writeString(dir.resolve(model + ".csv"), csv);
    int code = run("law", "--form", "cmr", "--csv", file.toString(), "--predict", "100", "250");
    assertThat(code).as(err.toString()).isZero();
    JsonNode json = new ObjectMapper().readTree(out.toString());
    assertThat(json.get("form").asText()).isEqualTo("cmr");
    assertThat(json.get("converged").asBoolean()).isTrue();
    assertThat(json.get("stats").get("points").asInt()).isEqualTo(20);
    JsonNode at20b = json.get("predictions").get(0);
    assertThat(at20b.get("x").asDouble()).isEqualTo(100.0);
    assertThat(at20b.get("y").asDouble()).isCloseTo(cmr, within(0.001));
    assertThat(json.get("parameters").get("s4").asDouble()).isCloseTo(s4, within(1e-3));
    assertThat(json.get("standardErrors").has("a4")).isTrue();
  }

  @Test
  void shouldNameTheLineOfABadValue() throws Exception {
    Path file = Files.writeString(dir.resolve("bad.csv"), "x,y\n1,0.5\n2,abc\n3,0.7\n");
    assertThat(run("law", "--form", "domain", "--csv", file.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("line 3").contains("2,abc");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void shouldRejectNonFiniteAndNonPositiveValues() throws Exception {
    Path nan = Files.writeString(dir.resolve("nan.csv"), "1,0.5\n2,NaN\n3,0.7\n");
    assertThat(run("law", "--form", "ratio", "--csv", nan.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("line 2").contains("finite");
    Path zero = Files.writeString(dir.resolve("zero.csv"), "0,0.5\n2,0.6\n3,0.7\n");
    assertThat(run("law", "--form", "ratio", "--csv", zero.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("line 1").contains("> 0");
  }

  @Test
  void shouldExplainTooFewPointsAndUnknownForms() throws Exception {
    Path one = Files.writeString(dir.resolve("one.csv"), "# a single point\n1,0.5\n");
    assertThat(run("law", "--form", "general", "--csv", one.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("too few points");
    JsonNode json = new ObjectMapper().readTree(out.toString());
    assertThat(json.get("converged").asBoolean()).isFalse();
    assertThat(run("law", "--form", "quadratic", "--csv", one.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("unknown law form");
    assertThat(run("law", "--form", "cmr", "--csv", dir.resolve("missing.csv").toString()))
        .isEqualTo(2);
    assertThat(err.toString()).contains("no such file");
  }

  @Test
  void shouldFitWeightedPointsAndPredictWithAStandardError() throws Exception {
    StringBuilder csv = new StringBuilder();
    for (int i = 1; i <= 12; i++) {
      double r = i / 12.0;
      csv.append(
          String.format(
              Locale.ROOT,
              "%.6f;%.8f;%d%n",
              r,
              0.3 * Math.pow(r, -0.25) + 1.6 + 0.001 * (i % 3 - 1),
              1 + i % 2));
    }
    Path file = Files.writeString(dir.resolve("ratio.csv"), csv);
    assertThat(run("law", "--form", "ratio", "--csv", file.toString(), "--predict", "0.5"))
        .as(err.toString())
        .isZero();
    JsonNode p = new ObjectMapper().readTree(out.toString()).get("predictions").get(0);
    assertThat(p.get("y").asDouble()).isCloseTo(0.3 * Math.pow(0.5, -0.25) + 1.6, within(0.002));
    assertThat(p.get("standardError").asDouble()).isPositive().isLessThan(0.01);
  }
}
