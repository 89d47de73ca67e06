package io.cmrwatch.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the Python client's unittest suite ({@code clients/python/tests}) with Debian's python3
 * against the real ingest server on the embedded broker, then checks that the topic holds every
 * valid event exactly once.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class PythonClientIT {

  static final String TOKEN = "python-client-token-0123456789";
  static final int EXPECTED = 120;

  static Optional<Path> python() {
    Stream<Path> candidates =
        Stream.concat(
            Stream.of(Path.of("/usr/bin/python3")),
            Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(p -> !p.isEmpty())
                .map(p -> Path.of(p, "python3")));
    return candidates.filter(Files::isExecutable).findFirst();
  }

  @Test
  void shouldDeliverEveryValidEventOfThePythonClientExactlyOnce(
      KafkaCluster kafka, @TempDir Path dir) throws Exception {
    Optional<Path> python = python();
    Assumptions.assumeTrue(
        python.isPresent(),
        "no python3 found (looked at /usr/bin/python3 and PATH): install Debian's python3 to run the client test");
    Path clientDir = Path.of("..", "clients", "python").toAbsolutePath().normalize();
    assertThat(clientDir.resolve("cmrwatch_client.py")).exists();

    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, TOKEN + "\n");
    String prefix = kafka.uniqueTopic("py") + ".";
    try (IngestService service =
        IngestService.start(
            IngestSettings.defaults("127.0.0.1", 0, kafka.bootstrapServers(), tokens)
                .withTopicPrefix(prefix))) {
      Path out = dir.resolve("python.log");
      ProcessBuilder pb =
          new ProcessBuilder(
                  python.get().toString(), "-m", "unittest", "discover", "-v", "-s", "tests")
              .directory(clientDir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(out.toFile());
      pb.environment().put("CMRWATCH_URL", service.url());
      pb.environment().put("CMRWATCH_TOKEN", TOKEN);
      pb.environment().put("CMRWATCH_EXPERIMENT", "py-exp");
      pb.environment().put("CMRWATCH_EXPECT", Integer.toString(EXPECTED));
      pb.environment().put("PYTHONDONTWRITEBYTECODE", "1");
      Process p = pb.start();
      boolean done = p.waitFor(120, TimeUnit.SECONDS);
      if (!done) {
        p.destroyForcibly();
      }
      String log = Files.readString(out, StandardCharsets.UTF_8);
      assertThat(done).as("python test finished in time:\n" + log).isTrue();
      assertThat(p.exitValue()).as("python unittest exit code:\n" + log).isZero();
      assertThat(log)
          .contains("test_publishes_every_valid_event_once")
          .doesNotContain("skipped 'set CMRWATCH_URL");

      List<ConsumerRecord<String, LossEvent>> records =
          kafka.readAll(
              TopicNames.withPrefix(prefix).lossEvents(),
              new StringDeserializer(),
              new LossEventSerde().deserializer(),
              IsolationLevel.READ_UNCOMMITTED);
      List<String> ids = records.stream().map(r -> r.value().eventId()).toList();
      assertThat(ids).hasSize(EXPECTED).doesNotHaveDuplicates();
      assertThat(records)
          .allSatisfy(
              r -> {
                assertThat(r.value().experiment()).isEqualTo("py-exp");
                assertThat(r.key()).isEqualTo("py-exp");
              });
    }
  }
}
