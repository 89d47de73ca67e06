package io.cmrwatch.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.io.IOException;
import java.io.Writer;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The app killed abruptly (SIGKILL, mid-stream) and restarted — on the same state directory, then
 * on a wiped one that must be restored from the changelogs — ends with the estimate of an
 * uninterrupted run, and every run has counted each of its events exactly once.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class RestartIT {

  @TempDir Path dir;

  @Test
  void shouldEndWithTheUninterruptedEstimateAfterKillsAndAStateWipe(KafkaCluster kafka)
      throws Exception {
    Path state = dir.resolve("state");
    int port = freePort();
    AppConfig cfg =
        AppFixture.config(
            kafka,
            "restart",
            state,
            Map.of(
                "cmrwatch.http.port",
                Integer.toString(port),
                "cmrwatch.estimate.settle-after-ms",
                "1500",
                "cmrwatch.estimate.min-change",
                "0"));
    Path file = dir.resolve("streams.properties");
    Properties p = new Properties();
    p.putAll(cfg.asMap());
    try (Writer w = Files.newBufferedWriter(file)) {
      p.store(w, null);
    }
    SyntheticExperiment exp = new SyntheticGenerator().generate(21);
    List<LossEvent> events = exp.events();
    ExperimentEstimate expected = offline(events);
    assertThat(expected.status()).isEqualTo("ok");
    Map<String, Integer> perRun = new HashMap<>();
    events.forEach(e -> perRun.merge(e.run(), 1, Integer::sum));
    String base = "http://127.0.0.1:" + port;
    String in = cfg.topicNames().lossEvents();

    try (KafkaProducer<String, byte[]> producer = AppFixture.producer(kafka)) {
      Process first = start(file, dir.resolve("first.log"));
      try {
        awaitHealthy(base);
        AppFixture.send(producer, in, events.subList(0, events.size() / 2));
        // Kill it while it is working through the first half.
        await().atMost(Duration.ofSeconds(60)).until(() -> processed(base) > 20);
        first.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      } finally {
        first.destroyForcibly();
      }
      AppFixture.send(producer, in, events.subList(events.size() / 2, events.size()));

      Process second = start(file, dir.resolve("second.log"));
      try {
        awaitHealthy(base);
        assertSettled(base, exp.experiment(), expected, perRun);
      } finally {
        second.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
    }

    deleteTree(state);
    Process third = start(file, dir.resolve("third.log"));
    try {
      awaitHealthy(base);
      assertSettled(base, exp.experiment(), expected, perRun);
    } finally {
      third.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  static ExperimentEstimate offline(List<LossEvent> events) {
    Map<String, RunSummary> runs = new LinkedHashMap<>();
    for (LossEvent e : events) {
      runs.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
    }
    return new ExperimentAnalyzer().analyze(events.get(0).experiment(), runs.values());
  }

  private static void assertSettled(
      String base, String experiment, ExperimentEstimate expected, Map<String, Integer> perRun) {
    await()
        .atMost(Duration.ofSeconds(150))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () -> {
              for (Map.Entry<String, Integer> e : perRun.entrySet()) {
                HttpResponse<String> r = AppFixture.get(base, "/runs/" + e.getKey());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(Json.MAPPER.readTree(r.body()).get("events").asLong())
                    .as(e.getKey())
                    .isEqualTo(e.getValue().longValue());
              }
              HttpResponse<String> r = AppFixture.get(base, "/experiments/" + experiment);
              assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
              JsonNode estimate = Json.MAPPER.readTree(r.body()).get("estimate");
              assertThat(estimate.get("status").asText()).isEqualTo("ok");
              assertThat(estimate.get("cmr").asDouble()).isCloseTo(expected.cmr(), within(1e-9));
              assertThat(estimate.get("cmrLow").asDouble())
                  .isCloseTo(expected.cmrLow(), within(1e-9));
              assertThat(estimate.get("cmrHigh").asDouble())
                  .isCloseTo(expected.cmrHigh(), within(1e-9));
            });
  }

  private static double processed(String base) {
    try {
      String m = AppFixture.get(base, "/metrics").body();
      return m.lines()
          .filter(l -> l.startsWith("cmrwatch_events_processed_total"))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .findFirst()
          .orElse(0);
    } catch (RuntimeException e) {
      return 0;
    }
  }

  private static void awaitHealthy(String base) {
    await()
        .atMost(Duration.ofSeconds(120))
        .pollInterval(Duration.ofMillis(500))
        .ignoreExceptions()
        .until(() -> AppFixture.get(base, "/health").statusCode() == 200);
  }

  private static Process start(Path config, Path log) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                StreamsProcess.class.getName(),
                "--config",
                config.toString()));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
