package io.cmrwatch.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.cmr.BudgetPlan;
import io.cmrwatch.core.cmr.CmrSettings;
import io.cmrwatch.core.cmr.EstimateJson;
import io.cmrwatch.core.cmr.ExperimentAnalyzer;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.cmr.RatioPlan;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.summary.RunSummary;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.StreamsApp;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.dlq.DeadLetters;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.publish.RunFitRecord;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end on a real broker, exactly-once: events in; fits, estimates, DLQ, HTTP and metrics out.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class StreamsAppIT {

  @TempDir Path state;

  @Test
  void shouldProcessASyntheticExperimentEndToEndWithExactlyOnce(KafkaCluster kafka)
      throws Exception {
    AppConfig cfg = AppFixture.config(kafka, "e2e", state, Map.of());
    SyntheticExperiment exp = new SyntheticGenerator().generate(11);
    Map<String, Integer> eventsPerRun = new HashMap<>();
    exp.events().forEach(e -> eventsPerRun.merge(e.run(), 1, Integer::sum));
    try (StreamsApp app = StreamsApp.start(cfg);
        KafkaProducer<String, byte[]> producer = AppFixture.producer(kafka)) {
      assertThat(app.awaitRunning(Duration.ofSeconds(90))).as("RUNNING").isTrue();
      String in = cfg.topicNames().lossEvents();
      AppFixture.sendRaw(producer, in, "r1", "{broken");
      AppFixture.send(producer, in, exp.events());
      // Duplicates (a retrying producer), keyed by run id as earlier producers did: re-keyed
      // through
      // the repartition topic, and counted once.
      AppFixture.sendRunKeyed(producer, in, exp.events().subList(0, 50));
      AppFixture.sendRaw(producer, in, "r1", "{\"schema\":1,\"ratio\":2}");

      List<ConsumerRecord<byte[], byte[]>> dead =
          kafka.awaitRecords(
              cfg.topicNames().lossEventsDlq(),
              2,
              new ByteArrayDeserializer(),
              new ByteArrayDeserializer(),
              IsolationLevel.READ_COMMITTED,
              Duration.ofSeconds(60));
      assertThat(dead).hasSize(2);
      assertThat(dead.stream().map(r -> DeadLetters.header(r.headers(), DeadLetters.REASON)))
          .containsExactlyInAnyOrder("malformed_json", "missing_field");

      // Every run's latest fit covers each of its events exactly once.
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                for (Map.Entry<String, Integer> e : eventsPerRun.entrySet()) {
                  HttpResponse<String> r = AppFixture.get(app, "/runs/" + e.getKey());
                  assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                  JsonNode run = Json.MAPPER.readTree(r.body());
                  assertThat(run.get("events").asLong())
                      .as("events of " + e.getKey())
                      .isEqualTo(e.getValue().longValue());
                  assertThat(run.get("fit").isNull()).isFalse();
                  assertThat(run.get("fit").get("events").asLong())
                      .isEqualTo(e.getValue().longValue());
                }
              });
      List<ConsumerRecord<String, String>> fits =
          kafka.readAll(cfg.topicNames().runFits(), IsolationLevel.READ_COMMITTED);
      assertThat(fits).isNotEmpty();
      assertThat(fits)
          .allSatisfy(
              f -> {
                JsonNode n = Json.MAPPER.readTree(f.value());
                assertThat(n.get("schema").asInt()).isEqualTo(RunFitRecord.SCHEMA);
                assertThat(n.get("fit").get("run").asText()).isEqualTo(f.key());
              });

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                HttpResponse<String> r = AppFixture.get(app, "/experiments/" + exp.experiment());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode body = Json.MAPPER.readTree(r.body());
                assertThat(body.get("runs")).hasSize(eventsPerRun.size());
                assertThat(body.get("estimate").get("experiment").asText())
                    .isEqualTo(exp.experiment());
                // The history (its own store) ends with the estimate shown, the latest published
                // one.
                JsonNode history = body.get("history");
                assertThat(history).isNotEmpty();
                assertThat(history.get(history.size() - 1).get("time").asText())
                    .isEqualTo(body.get("time").asText());
              });
      List<ConsumerRecord<String, String>> estimates =
          kafka.awaitRecords(
              cfg.topicNames().cmrEstimates(),
              1,
              IsolationLevel.READ_COMMITTED,
              Duration.ofSeconds(30));
      assertThat(estimates.get(0).key()).isEqualTo(exp.experiment());

      // Planning: the CMR at twice the budget and the budget at which a share becomes feasible, as
      // core computes them from the same runs and the published estimate.
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                String id = exp.experiment();
                JsonNode body =
                    Json.MAPPER.readTree(AppFixture.get(app, "/experiments/" + id).body());
                ExperimentEstimate published = EstimateJson.read(body.get("estimate").toString());
                assertThat(published.status()).isEqualTo("ok");
                ExperimentAnalyzer offline =
                    new ExperimentAnalyzer(
                        CmrSettings.defaults()
                            .withOverrides(
                                published.epsilon(),
                                published.lambda(),
                                published.tokenUnit(),
                                published.budgetTokens()));
                List<RunSummary> runs = summaries(exp.events());
                long twice = 2 * published.budgetTokens();
                HttpResponse<String> r =
                    AppFixture.get(app, "/experiments/" + id + "/plan?budget=" + twice);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                JsonNode plan = Json.MAPPER.readTree(r.body()).get("cmrAtBudget");
                BudgetPlan expected = offline.cmrAtBudget(id, runs, published, twice);
                assertThat(plan.get("status").asText()).isEqualTo(expected.status());
                assertThat(plan.get("budgetTokens").asLong()).isEqualTo(twice);
                assertThat(plan.get("cmr").asDouble()).isCloseTo(expected.cmr(), within(1e-9));
                assertThat(plan.get("cmrLow").asDouble())
                    .isCloseTo(expected.cmrLow(), within(1e-9));
                assertThat(plan.get("cmrHigh").asDouble())
                    .isCloseTo(expected.cmrHigh(), within(1e-9));
                double share = published.cmr();
                JsonNode byRatio =
                    Json.MAPPER
                        .readTree(
                            AppFixture.get(app, "/experiments/" + id + "/plan?ratio=" + share)
                                .body())
                        .get("budgetForRatio");
                RatioPlan ratioExpected = offline.budgetForRatio(id, runs, published, share);
                assertThat(byRatio.get("status").asText()).isEqualTo(ratioExpected.status());
                if (ratioExpected.budgetTokens() != null) {
                  assertThat(byRatio.get("budgetTokens").asDouble())
                      .isCloseTo(ratioExpected.budgetTokens(), within(1e-6));
                }
              });
      assertThat(AppFixture.get(app, "/experiments/nope/plan?budget=1000").statusCode())
          .isEqualTo(404);
      assertThat(AppFixture.get(app, "/experiments/x/plan?ratio=2").statusCode()).isEqualTo(400);

      HttpResponse<String> list = AppFixture.get(app, "/experiments");
      assertThat(list.statusCode()).isEqualTo(200);
      assertThat(Json.MAPPER.readTree(list.body()).get(0).get("experiment").asText())
          .isEqualTo(exp.experiment());
      assertThat(AppFixture.get(app, "/runs/nope").statusCode()).isEqualTo(404);
      assertThat(AppFixture.get(app, "/experiments/nope").statusCode()).isEqualTo(404);
      assertThat(AppFixture.get(app, "/health").statusCode()).isEqualTo(200);
      assertThat(AppFixture.get(app, "/health/live").statusCode()).isEqualTo(200);
      assertThat(AppFixture.get(app, "/").body()).contains("<html");
      assertThat(AppFixture.get(app, "/webjars/uplot/dist/uPlot.iife.min.js").statusCode())
          .isEqualTo(200);
      String metrics = AppFixture.get(app, "/metrics").body();
      int total = exp.events().size() + 50;
      assertThat(metrics)
          .contains("cmrwatch_events_processed_total{application=\"cmrwatch-streams\"} " + total);
      assertThat(metrics)
          .contains("cmrwatch_events_duplicate_total{application=\"cmrwatch-streams\"} 50.0");
      assertThat(metrics)
          .contains(
              "cmrwatch_dlq_records_total{application=\"cmrwatch-streams\",reason=\"malformed_json\"} 1.0");
      assertThat(metrics)
          .contains("cmrwatch_refits_total{application=\"cmrwatch-streams\",level=\"run\"}");
      assertThat(metrics)
          .contains(
              "cmrwatch_cmr_status{application=\"cmrwatch-streams\",experiment=\""
                  + exp.experiment()
                  + "\"");
      assertThat(metrics).contains("cmrwatch_run_tokens{application=\"cmrwatch-streams\"");
      assertThat(metrics).contains("kafka_consumer_fetch_manager_records_lag_max");
      // Prometheus' selector: only the named families.
      String selected =
          AppFixture.get(
                  app,
                  "/metrics?name%5B%5D=cmrwatch_events_processed_total&name%5B%5D=cmrwatch_events_duplicate_total")
              .body();
      assertThat(selected)
          .contains("cmrwatch_events_processed_total{application=\"cmrwatch-streams\"} " + total)
          .contains("cmrwatch_events_duplicate_total")
          .doesNotContain("cmrwatch_refits_total")
          .doesNotContain("kafka_consumer");
    }
  }

  /** Each run's summary of {@code events}, absorbed in order (duplicates counted once). */
  private static List<RunSummary> summaries(List<LossEvent> events) {
    Map<String, RunSummary> runs = new LinkedHashMap<>();
    for (LossEvent e : events) {
      runs.computeIfAbsent(e.run(), r -> new RunSummary(e.experiment(), r)).absorb(e);
    }
    return List.copyOf(runs.values());
  }
}
