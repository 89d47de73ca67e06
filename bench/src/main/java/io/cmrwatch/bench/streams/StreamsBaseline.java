package io.cmrwatch.bench.streams;

import io.cmrwatch.core.event.LossEventCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;

/**
 * The ceiling any Kafka Streams application has on this machine: one that reads the topic from the
 * start and does nothing with the events (or only decodes them), with the app's own settings —
 * exactly-once v2, commits every 100 ms, one stream thread, a fresh application id per read. Its
 * events/s, from its first processed record to its last, put the streams app's ratio to a raw
 * consumer in proportion.
 */
final class StreamsBaseline {

  /** Keeps the JIT from dropping the decoding as dead code. */
  static volatile long blackhole;

  private StreamsBaseline() {}

  /**
   * The streams app's default Kafka Streams settings that bear on speed — exactly-once v2, commits
   * every 100 ms, one stream thread — for an application of the bench, with its own temporary state
   * directory.
   */
  static Properties appSettings(String bootstrap, String applicationId) throws java.io.IOException {
    Path stateDir = Files.createTempDirectory("cmrwatch-bench-streams");
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    p.put(
        StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG,
        true); // as the app (and Kafka 5.0)
    return p;
  }

  /** Events/s of one read of {@code expected} events by a fresh Kafka Streams application. */
  static double read(
      String bootstrap, String topic, int expected, boolean decode, String applicationId)
      throws Exception {
    Properties p = appSettings(bootstrap, applicationId);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    long[] first = {0};
    long[] last = {0};
    long[] seen = {0};
    long[] sink = {0};
    CountDownLatch done = new CountDownLatch(1);
    StreamsBuilder b = new StreamsBuilder();
    b.stream(topic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
        .foreach(
            (k, v) -> {
              long now = System.nanoTime();
              if (seen[0]++ == 0) {
                first[0] = now;
              }
              sink[0] += decode ? LossEventCodec.decode(v).tokens() : v.length;
              if (seen[0] == expected) {
                last[0] = now;
                done.countDown();
              }
            });
    try (KafkaStreams streams = new KafkaStreams(b.build(), p)) {
      streams.start();
      if (!done.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException(
            "the baseline read " + seen[0] + " of " + expected + " events in 5 minutes");
      }
      streams.close(Duration.ofSeconds(30));
      streams.cleanUp();
    }
    blackhole = sink[0];
    return (expected - 1) / ((last[0] - first[0]) / 1e9);
  }
}
