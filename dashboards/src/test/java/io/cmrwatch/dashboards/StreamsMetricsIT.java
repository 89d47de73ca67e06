package io.cmrwatch.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.streams.StreamsApp;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real streams app on the embedded broker, fed a synthetic experiment (with duplicates and a
 * malformed record): every metric a dashboard panel or a rule uses is in its {@code /metrics}, and
 * Debian's Prometheus, scraping it with the project's rules loaded, serves the CMR series and the
 * recorded interval width back over its HTTP API.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamsMetricsIT {

  private static final Duration WAIT = Duration.ofMinutes(4);

  private StreamsApp app;
  private SyntheticExperiment experiment;
  private Map<String, List<String>> used;

  @BeforeAll
  void startTheStreamsAppAndStreamASyntheticExperiment(KafkaCluster kafka, @TempDir Path state)
      throws Exception {
    used = MetricReferences.load().exportedNamesUsed(MetricReferences.Exporter.STREAMS_APP);
    String prefix = kafka.uniqueTopic("dash") + ".";
    app =
        StreamsApp.start(
            AppConfig.of(
                Map.of(
                    "cmrwatch.bootstrap",
                    kafka.bootstrapServers(),
                    "cmrwatch.topic-prefix",
                    prefix,
                    "cmrwatch.application-id",
                    prefix + "streams",
                    "cmrwatch.http.port",
                    "0",
                    "cmrwatch.state-dir",
                    state.toString())));
    assertThat(app.awaitRunning(Duration.ofMinutes(2))).as("streams app RUNNING").isTrue();

    experiment = new SyntheticGenerator().generate(11);
    String topic = TopicNames.withPrefix(prefix).lossEvents();
    try (KafkaProducer<String, String> producer =
        kafka.producer(new StringSerializer(), new StringSerializer())) {
      List<LossEvent> events = experiment.events();
      for (LossEvent e : events) {
        producer.send(new ProducerRecord<>(topic, e.run(), LossEventCodec.encodeToString(e)));
      }
      // A few duplicates (same eventId) and one malformed record: the duplicate and dead-letter
      // counters move.
      for (LossEvent e : events.subList(0, Math.min(10, events.size()))) {
        producer.send(new ProducerRecord<>(topic, e.run(), LossEventCodec.encodeToString(e)));
      }
      producer.send(new ProducerRecord<>(topic, "broken-run", "{\"schema\":1,\"experiment\":"));
      producer.flush();
    }
  }

  @AfterAll
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void shouldExportEveryMetricTheDashboardsAndRulesUse() throws Exception {
    assertThat(used)
        .as("streams-app metrics used by the dashboards and rules")
        .hasSizeGreaterThan(20);
    // Some series appear only once their first value exists (an estimate with status ok, a first
    // alert, a first
    // dead letter): scrape until all are there or the wait is over.
    Map<String, List<String>> missing;
    Scrape scrape;
    long end = System.nanoTime() + WAIT.toNanos();
    do {
      scrape = Scrape.of(app.url() + "/metrics");
      missing = scrape.missing(used);
      if (missing.isEmpty()) {
        break;
      }
      Thread.sleep(500);
    } while (System.nanoTime() < end);
    String status =
        String.join(
            "\n", scrape.text().lines().filter(l -> l.startsWith("cmrwatch_cmr_")).toList());
    assertThat(missing)
        .as(
            "metrics used by dashboards or rules but not exported by the streams app "
                + "(name -> where used); its CMR series:%n%s",
            status)
        .isEmpty();
    assertThat(
            scrape.missingLabels(
                MetricReferences.load().exportedLabelsUsed(MetricReferences.Exporter.STREAMS_APP)))
        .as("labels that dashboards or rules match on but the streams app's metrics do not have")
        .isEmpty();
    scrape.assertOwnMetricsCarry(StreamsMetrics.APPLICATION, 20);
  }

  @Test
  void shouldServeTheCmrBackThroughPrometheusWithTheRecordingRulesLoaded(@TempDir Path dir)
      throws Exception {
    String target = app.url().substring("http://".length());
    try (PrometheusServer prometheus =
        PrometheusServer.start(dir, Map.of("cmrwatch-streams", target), RepoFiles.ruleFiles())) {
      String selector = "{experiment=\"" + experiment.experiment() + "\"}";
      JsonNode cmr = awaitSeries(prometheus, "cmrwatch_cmr_estimate" + selector);
      JsonNode width =
          awaitSeries(prometheus, "experiment:cmrwatch_cmr_interval_width:max" + selector);
      JsonNode low = awaitSeries(prometheus, "cmrwatch_cmr_estimate_low" + selector);
      JsonNode high = awaitSeries(prometheus, "cmrwatch_cmr_estimate_high" + selector);

      assertThat(cmr.path("metric").path("job").asText()).isEqualTo("cmrwatch-streams");
      assertThat(cmr.path("metric").path("application").asText()).isEqualTo("cmrwatch-streams");
      double value = value(cmr);
      assertThat(value).as("CMR read back from Prometheus").isGreaterThan(0).isLessThanOrEqualTo(1);
      assertThat(value(width)).as("recorded interval width").isGreaterThanOrEqualTo(0);
      assertThat(value(low)).isLessThanOrEqualTo(value(high));
      assertThat(prometheus.query("up{job=\"cmrwatch-streams\"} == 1")).as("target up").hasSize(1);

      // Vector-matching mistakes (many-to-many, missing group_left) only show when real series are
      // evaluated.
      awaitEvaluatedRules(prometheus);
      for (GrafanaDashboards.Query q : GrafanaDashboards.queries()) {
        if (!q.variable()) {
          String expr =
              q.expr()
                  .replaceAll("\\$\\{?__(rate_interval|interval|range)}?", "1m")
                  .replaceAll("\\$\\{?[a-zA-Z_][a-zA-Z0-9_]*}?", ".*");
          JsonNode answer =
              prometheus.get(
                  "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
          assertThat(answer.path("status").asText())
              .as("%s %s: %s -> %s", q.file().getFileName(), q.where(), expr, answer)
              .isEqualTo("success");
        }
      }
    }
  }

  /** Waits until every rule has been evaluated, then checks that none failed. */
  private static void awaitEvaluatedRules(PrometheusServer prometheus) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    JsonNode groups;
    boolean allEvaluated;
    do {
      groups = prometheus.get("/api/v1/rules").path("data").path("groups");
      allEvaluated = groups.size() == RepoFiles.ruleFiles().size();
      for (JsonNode group : groups) {
        for (JsonNode rule : group.path("rules")) {
          allEvaluated &= !rule.path("lastEvaluation").asText().startsWith("0001-");
        }
      }
      if (allEvaluated) {
        break;
      }
      Thread.sleep(500);
    } while (System.nanoTime() < end);
    assertThat(allEvaluated).as("every rule evaluated: %s", groups).isTrue();
    for (JsonNode group : groups) {
      for (JsonNode rule : group.path("rules")) {
        assertThat(rule.path("health").asText())
            .as("rule %s: %s", rule.path("name").asText(), rule.path("lastError").asText())
            .isEqualTo("ok");
      }
    }
  }

  @Test
  void shouldUseNoTrainerMetricThatNoTestScrapes() {
    // Trainer-agent metrics in a panel or rule would be unchecked here: extend this class to scrape
    // an agent first.
    assertThat(MetricReferences.load().exportedNamesUsed(MetricReferences.Exporter.TRAINER_AGENT))
        .isEmpty();
  }

  /** The single series {@code promql} returns, once Prometheus has scraped (and recorded) it. */
  private static JsonNode awaitSeries(PrometheusServer prometheus, String promql) throws Exception {
    long end = System.nanoTime() + WAIT.toNanos();
    JsonNode result;
    do {
      result = prometheus.query(promql);
      if (result.size() == 1) {
        return result.get(0);
      }
      Thread.sleep(500);
    } while (System.nanoTime() < end);
    throw new AssertionError(
        "Prometheus returned "
            + result
            + " for "
            + promql
            + " within "
            + WAIT
            + "; targets: "
            + prometheus.get("/api/v1/targets")
            + "\nlog:\n"
            + prometheus.log());
  }

  private static double value(JsonNode sample) {
    return Double.parseDouble(sample.path("value").path(1).asText());
  }
}
