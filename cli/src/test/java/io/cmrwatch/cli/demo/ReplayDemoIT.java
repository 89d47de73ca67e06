package io.cmrwatch.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cmrwatch demo --replay}: recorded real CPT runs (the reference sweep's dataset) replayed
 * in token order through the embedded broker into the streams app, whose every estimate is written
 * to the estimates file.
 */
class ReplayDemoIT {

  static final Path DATA = Path.of("..", "data", "real-cpt", "kjv-pystdlib-w64.jsonl");
  static final Set<String> RUNS = Set.of("r0100-s1", "r0300-s1", "r0500-s1", "r0700-s1");

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void shouldReplayTheChosenRunsInTokenOrderAndRecordEveryEstimate(@TempDir Path dir)
      throws Exception {
    Path estimates = dir.resolve("estimates.jsonl");
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    Demo.Settings settings =
        new Demo.Settings(
            dir.resolve("data"), 0, 0, 0, Duration.ofMinutes(4), Duration.ofSeconds(1));
    ReplayWorkload replay = ReplayWorkload.of(DATA, RUNS, Duration.ofMillis(100), estimates);
    try (Demo demo = Demo.start(settings, replay, lines::add)) {
      DemoSummary summary = demo.run();

      assertThat(summary.experiment()).isEqualTo("kjv-pystdlib-w64");
      assertThat(summary.runs()).extracting(DemoSummary.RunLine::run).hasSameElementsAs(RUNS);
      assertThat(summary.runs()).allSatisfy(r -> assertThat(r.tokens()).isEqualTo(1_048_576));
      assertThat(summary.hasEstimate()).as("%s", lines).isTrue();
      assertThat(lines).anyMatch(l -> l.startsWith("replay: 132 events in 33 evaluation rounds"));
    }
    // Closed: the recorder has written everything it read.
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> recorded = new ArrayList<>();
    for (String l : Files.readAllLines(estimates, StandardCharsets.UTF_8)) {
      recorded.add(json.readTree(l));
    }
    assertThat(recorded).isNotEmpty();
    assertThat(recorded).allMatch(e -> e.path("experiment").asText().equals("kjv-pystdlib-w64"));
    assertThat(recorded).anyMatch(e -> e.path("status").asText().equals("ok"));
  }

  @Test
  void shouldRefuseRunsTheDatasetDoesNotHold() {
    assertThatThrownBy(
            () -> ReplayWorkload.of(DATA, Set.of("r0100-s1", "r9999-s9"), Duration.ZERO, null))
        .hasMessageContaining("r9999-s9");
  }
}
