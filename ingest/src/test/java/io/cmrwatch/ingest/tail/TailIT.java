package io.cmrwatch.ingest.tail;

import static org.assertj.core.api.Assertions.assertThat;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.ingest.produce.EventPublisher;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.Topic;
import io.cmrwatch.kafka.topic.Topics;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tailer on a real broker: appends, a restart from the checkpoint, and a rename rotation, each
 * line once.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TailIT {

  static final Map<String, String> FIXED =
      Map.of(
          "experiment",
          "tail-exp",
          "run",
          "t1",
          "ratio",
          "0.25",
          "baseGeneralLoss",
          "2.3",
          "baseDomainLoss",
          "2.2");

  @TempDir Path dir;

  static String lines(long from, long to) {
    return LongStream.rangeClosed(from, to)
        .mapToObj(
            t ->
                "{\"step\":"
                    + t
                    + ",\"tokens_seen\":"
                    + t * 1000
                    + ",\"eval\":{\"general\":2.3,\"domain\":"
                    + (2.0 - t * 1e-3)
                    + "}}\n")
        .collect(Collectors.joining());
  }

  static void append(Path f, String s) throws Exception {
    Files.writeString(
        f, s, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  /** Runs a tailer in the background until closed. */
  final class Running implements AutoCloseable {
    final LogTailer tailer;
    final Thread thread;

    Running(Path log, EventPublisher publisher) {
      LineMapper mapper =
          new LineMapper(
              LogFormat.JSONL,
              Map.of(
                  "tokens",
                  "tokens_seen",
                  "generalLoss",
                  "eval/general",
                  "domainLoss",
                  "eval/domain"),
              FIXED,
              null);
      tailer =
          new LogTailer(
              log, dir.resolve("checkpoint.json"), mapper, publisher, Duration.ofMillis(50));
      thread =
          new Thread(
              () -> {
                try {
                  tailer.run();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              },
              "tail-it");
      thread.start();
    }

    @Override
    public void close() throws Exception {
      tailer.stop();
      thread.join(30_000);
      assertThat(thread.isAlive()).isFalse();
      tailer.close();
    }
  }

  List<Long> steps(KafkaCluster kafka, String topic, int atLeast) {
    List<ConsumerRecord<String, LossEvent>> records =
        kafka.awaitRecords(
            topic,
            atLeast,
            new StringDeserializer(),
            new LossEventSerde().deserializer(),
            IsolationLevel.READ_UNCOMMITTED,
            Duration.ofSeconds(60));
    return records.stream().map(r -> r.value().step()).sorted().toList();
  }

  @Test
  void shouldPublishAppendsResumeAfterRestartAndFollowRotationEachLineOnce(KafkaCluster kafka)
      throws Exception {
    Topic<String, LossEvent> lossEvents =
        Topics.withPrefix(kafka.uniqueTopic("tail") + ".").lossEvents();
    String topic = lossEvents.name();
    kafka.createTopics(1, topic);
    Path log = dir.resolve("train.jsonl");
    Map<String, Object> cfg =
        EventPublisher.producerConfig(
            kafka.bootstrapServers(),
            "tail-it",
            Duration.ofSeconds(10),
            Duration.ofSeconds(30),
            Map.of());
    try (EventPublisher publisher =
        new EventPublisher(
            EventPublisher.createProducer(cfg), lossEvents, 10_000, Duration.ofSeconds(40), null)) {
      append(log, lines(1, 5));
      try (Running r = new Running(log, publisher)) {
        assertThat(steps(kafka, topic, 5)).containsExactly(1L, 2L, 3L, 4L, 5L);
        append(log, lines(6, 8) + "not a loss line\n");
        assertThat(steps(kafka, topic, 8)).hasSize(8);
      }
      append(log, lines(9, 12)); // written while the tailer is stopped
      try (Running r = new Running(log, publisher)) {
        assertThat(steps(kafka, topic, 12)).hasSize(12);
        append(log, lines(13, 14));
        Files.move(log, dir.resolve("train.jsonl.1"));
        append(log, lines(15, 20));
        assertThat(steps(kafka, topic, 20)).hasSize(20);
        assertThat(r.tailer.stats().malformed())
            .isZero(); // the malformed line was before this restart
      }
      // Settle: nothing more arrives, and every step is there exactly once.
      Thread.sleep(500);
      List<ConsumerRecord<String, String>> all =
          kafka.readAll(topic, IsolationLevel.READ_UNCOMMITTED);
      List<Long> steps =
          all.stream()
              .map(rec -> io.cmrwatch.core.event.LossEventCodec.decode(rec.value()).step())
              .sorted()
              .toList();
      assertThat(steps).containsExactlyElementsOf(LongStream.rangeClosed(1, 20).boxed().toList());
      assertThat(all).allSatisfy(rec -> assertThat(rec.key()).isEqualTo("tail-exp"));
    }
  }
}
