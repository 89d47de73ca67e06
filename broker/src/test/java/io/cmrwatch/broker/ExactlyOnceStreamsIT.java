package io.cmrwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once Kafka Streams works on the one-node broker: its transactional output is visible to a
 * {@code read_committed} reader, while an aborted transaction on the same topic is not.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ExactlyOnceStreamsIT {

  private static final String INPUT = "eos-input";
  private static final String OUTPUT = "eos-output";

  static Topology upperCase() {
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
        .mapValues(v -> v.toUpperCase(Locale.ROOT))
        .to(OUTPUT, Produced.with(Serdes.String(), Serdes.String()));
    return builder.build();
  }

  @Test
  void shouldDeliverExactlyOnceOutputToReadCommittedConsumers(@TempDir Path stateDir)
      throws Exception {
    try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.builder().build().start()) {
      String bootstrap = broker.bootstrapServers();
      EmbeddedKafkaBrokerIT.createTopic(bootstrap, INPUT, 2);
      EmbeddedKafkaBrokerIT.createTopic(bootstrap, OUTPUT, 2);

      // An aborted transaction on the output topic: read_committed must never show it.
      try (KafkaProducer<String, String> aborted =
          new KafkaProducer<>(
              Map.of(
                  ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                  bootstrap,
                  ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                  "it-aborted"),
              new StringSerializer(),
              new StringSerializer())) {
        aborted.initTransactions();
        aborted.beginTransaction();
        aborted.send(new ProducerRecord<>(OUTPUT, "k", "ABORTED")).get(30, TimeUnit.SECONDS);
        aborted.abortTransaction();
      }

      Properties config = new Properties();
      config.put(StreamsConfig.APPLICATION_ID_CONFIG, "it-eos");
      config.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      config.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
      config.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      config.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
      List<String> expected = new ArrayList<>();
      try (KafkaStreams streams = new KafkaStreams(upperCase(), config);
          KafkaProducer<String, String> producer = EmbeddedKafkaBrokerIT.producer(bootstrap)) {
        CountDownLatch running = new CountDownLatch(1);
        streams.setStateListener(
            (now, before) -> {
              if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
              }
            });
        streams.start();
        assertThat(running.await(90, TimeUnit.SECONDS)).as("streams reached RUNNING").isTrue();
        for (int i = 0; i < 20; i++) {
          producer.send(new ProducerRecord<>(INPUT, "k" + (i % 4), "event-" + i));
          expected.add("EVENT-" + i);
        }
        producer.flush();

        List<ConsumerRecord<String, String>> committed =
            EmbeddedKafkaBrokerIT.consume(bootstrap, OUTPUT, expected.size(), "read_committed");
        assertThat(committed)
            .extracting(ConsumerRecord::value)
            .containsExactlyInAnyOrderElementsOf(expected);
        streams.close(Duration.ofSeconds(30));
      }

      // The aborted record is in the log all the same: read_uncommitted sees it, so the filter
      // above mattered.
      List<ConsumerRecord<String, String>> uncommitted =
          EmbeddedKafkaBrokerIT.consume(bootstrap, OUTPUT, expected.size() + 1, "read_uncommitted");
      assertThat(uncommitted).extracting(ConsumerRecord::value).contains("ABORTED");
    }
  }
}
