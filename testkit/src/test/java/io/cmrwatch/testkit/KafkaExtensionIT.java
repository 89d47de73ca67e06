package io.cmrwatch.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fixture gives every test the same running cluster, and its read helpers return what is really
 * in a topic.
 */
@ExtendWith(KafkaExtension.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class KafkaExtensionIT {

  private static KafkaCluster fromBeforeAll;

  @BeforeAll
  static void remember(KafkaCluster kafka) {
    fromBeforeAll = kafka;
  }

  @Test
  void shouldShareOneClusterBetweenLifecycleMethodsAndTests(KafkaCluster kafka) {
    assertThat(kafka).isSameAs(fromBeforeAll);
  }

  @Test
  void shouldUseTheEmbeddedBrokerOnLoopbackWithoutDocker(KafkaCluster kafka) {
    boolean docker = KafkaClusters.dockerAvailable();
    assertThat(kafka.kind())
        .isEqualTo(docker ? KafkaCluster.Kind.CONTAINER : KafkaCluster.Kind.EMBEDDED);
    if (!docker) {
      assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    }
  }

  @Test
  void shouldReadEveryRecordInPartitionAndOffsetOrder(KafkaCluster kafka) throws Exception {
    String topic = kafka.uniqueTopic("read-all");
    kafka.createTopics(2, topic);
    try (KafkaProducer<String, String> producer =
        kafka.producer(new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 10; i++) {
        producer
            .send(new ProducerRecord<>(topic, i % 2, "k" + i, "v" + i))
            .get(30, TimeUnit.SECONDS);
      }
    }

    List<ConsumerRecord<String, String>> records =
        kafka.readAll(topic, IsolationLevel.READ_UNCOMMITTED);

    assertThat(records)
        .extracting(ConsumerRecord::value)
        .containsExactly("v0", "v2", "v4", "v6", "v8", "v1", "v3", "v5", "v7", "v9");
  }

  @Test
  void shouldReadNothingFromAnEmptyTopic(KafkaCluster kafka) {
    String topic = kafka.uniqueTopic("empty");
    kafka.createTopics(1, topic);

    assertThat(kafka.readAll(topic, IsolationLevel.READ_COMMITTED)).isEmpty();
  }

  @Test
  void shouldHideAbortedTransactionsFromReadCommitted(KafkaCluster kafka) throws Exception {
    String topic = kafka.uniqueTopic("isolation");
    kafka.createTopics(1, topic);
    Map<String, Object> config = kafka.clientConfig();
    config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "testkit-" + topic);
    try (KafkaProducer<String, String> producer =
        new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
      producer.initTransactions();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "committed-1"));
      producer.send(new ProducerRecord<>(topic, "k", "committed-2"));
      producer.commitTransaction();
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, "k", "aborted"));
      producer.flush();
      producer.abortTransaction();
    }

    assertThat(kafka.readAll(topic, IsolationLevel.READ_COMMITTED))
        .extracting(ConsumerRecord::value)
        .containsExactly("committed-1", "committed-2");
    assertThat(kafka.readAll(topic, IsolationLevel.READ_UNCOMMITTED))
        .extracting(ConsumerRecord::value)
        .containsExactly("committed-1", "committed-2", "aborted");
  }

  @Test
  void shouldAwaitRecordsOfATopicThatAppearsLater(KafkaCluster kafka) throws Exception {
    String topic = kafka.uniqueTopic("later");
    CompletableFuture<Void> produced =
        CompletableFuture.runAsync(
            () -> {
              kafka.createTopics(3, topic);
              try (KafkaProducer<String, String> producer =
                  kafka.producer(new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 6; i++) {
                  producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
                }
              }
            });

    List<ConsumerRecord<String, String>> records =
        kafka.awaitRecords(topic, 6, IsolationLevel.READ_COMMITTED, Duration.ofSeconds(60));

    produced.get(60, TimeUnit.SECONDS);
    assertThat(records)
        .extracting(ConsumerRecord::value)
        .containsExactlyInAnyOrder("v0", "v1", "v2", "v3", "v4", "v5");
    try (Admin admin = kafka.admin()) {
      assertThat(
              admin
                  .describeTopics(List.of(topic))
                  .allTopicNames()
                  .get(30, TimeUnit.SECONDS)
                  .get(topic)
                  .partitions())
          .as("the reader did not auto-create the topic with 1 partition")
          .hasSize(3);
    }
  }

  @Test
  void shouldSayHowManyRecordsArrivedWhenTooFewDo(KafkaCluster kafka) throws Exception {
    String topic = kafka.uniqueTopic("too-few");
    kafka.createTopics(1, topic);
    try (KafkaProducer<String, String> producer =
        kafka.producer(new StringSerializer(), new StringSerializer())) {
      producer.send(new ProducerRecord<>(topic, "k", "only")).get(30, TimeUnit.SECONDS);
    }

    assertThatThrownBy(
            () ->
                kafka.awaitRecords(
                    topic, 2, IsolationLevel.READ_UNCOMMITTED, Duration.ofSeconds(2)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("expected at least 2 records in " + topic)
        .hasMessageContaining("got 1: [k=only]");
  }

  @Test
  void shouldNameTheMissingTopicWhenReadingOne(KafkaCluster kafka) {
    String topic = kafka.uniqueTopic("missing");

    assertThatThrownBy(() -> kafka.readAll(topic, IsolationLevel.READ_COMMITTED))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("topic " + topic + " does not exist");
  }
}
