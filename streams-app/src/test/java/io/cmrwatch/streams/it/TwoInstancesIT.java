package io.cmrwatch.streams.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.streams.StreamsApp;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances with one application id split the partitions; a query to either answers for every
 * key (forwarded to the owner); when one stops, the other takes over and keeps answering.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TwoInstancesIT {

  @TempDir Path dir;

  @Test
  void shouldSplitPartitionsAnswerQueriesAnywhereAndTakeOver(KafkaCluster kafka) throws Exception {
    AppConfig a = AppFixture.config(kafka, "pair", dir.resolve("a"), Map.of());
    AppConfig b = a.with(Map.of("cmrwatch.state-dir", dir.resolve("b").toString()));
    // Several experiments, so that both instances own some (experiment keys spread over the
    // partitions).
    List<SyntheticExperiment> exps =
        List.of(
            new SyntheticGenerator().generate(31),
            new SyntheticGenerator().generate(32),
            new SyntheticGenerator().generate(33));
    Set<String> experiments = new TreeSet<>();
    Set<String> runs = new TreeSet<>();
    try (StreamsApp first = StreamsApp.start(a)) {
      StreamsApp second = StreamsApp.start(b);
      try (KafkaProducer<String, byte[]> producer = AppFixture.producer(kafka)) {
        assertThat(first.awaitRunning(Duration.ofSeconds(90))).isTrue();
        assertThat(second.awaitRunning(Duration.ofSeconds(90))).isTrue();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> activeTasks(first) > 0 && activeTasks(second) > 0);
        for (SyntheticExperiment e : exps) {
          // Run ids repeat across synthetic experiments; prefix them to keep the three apart in
          // /runs/{id}.
          List<io.cmrwatch.core.event.LossEvent> events =
              e.events().stream()
                  .map(
                      x ->
                          x.toBuilder()
                              .run(e.experiment() + "-" + x.run())
                              .eventId(e.experiment() + "-" + x.eventId())
                              .build())
                  .toList();
          AppFixture.send(producer, a.topicNames().lossEvents(), events);
          experiments.add(e.experiment());
          events.forEach(x -> runs.add(x.run()));
        }
        for (StreamsApp app : List.of(first, second)) {
          await()
              .atMost(Duration.ofSeconds(90))
              .pollInterval(Duration.ofMillis(500))
              .untilAsserted(() -> assertAnswers(app, experiments, runs));
        }
      } finally {
        second.close();
      }
      // The survivor takes over the partitions of the stopped instance and keeps answering for
      // every key.
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(() -> assertAnswers(first, experiments, runs));
      assertThat(AppFixture.get(first, "/health").statusCode()).isEqualTo(200);
    }
  }

  private static int activeTasks(StreamsApp app) {
    return app.streams().metadataForLocalThreads().stream()
        .mapToInt(t -> t.activeTasks().size())
        .sum();
  }

  private static void assertAnswers(StreamsApp app, Set<String> experiments, Set<String> runs)
      throws Exception {
    HttpResponse<String> list = AppFixture.get(app, "/experiments");
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    Set<String> listed = new TreeSet<>();
    for (JsonNode n : Json.MAPPER.readTree(list.body())) {
      listed.add(n.get("experiment").asText());
    }
    assertThat(listed).isEqualTo(experiments);
    for (String e : experiments) {
      HttpResponse<String> r = AppFixture.get(app, "/experiments/" + e);
      assertThat(r.statusCode()).as(e + ": " + r.body()).isEqualTo(200);
    }
    for (String run : runs) {
      HttpResponse<String> r = AppFixture.get(app, "/runs/" + run);
      assertThat(r.statusCode()).as(run + ": " + r.body()).isEqualTo(200);
    }
  }
}
