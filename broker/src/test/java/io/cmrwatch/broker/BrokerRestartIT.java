package io.cmrwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker restarted on the same data dir keeps its topics and messages, and its data dir is not
 * deleted.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BrokerRestartIT {

  @Test
  void shouldKeepTopicsAndMessagesAcrossARestartOnTheSameDataDir(@TempDir Path dataDir)
      throws Exception {
    try (EmbeddedKafkaBroker first =
        EmbeddedKafkaBroker.builder().dataDir(dataDir).build().start()) {
      EmbeddedKafkaBrokerIT.createTopic(first.bootstrapServers(), "kept", 2);
      try (KafkaProducer<String, String> producer =
          EmbeddedKafkaBrokerIT.producer(first.bootstrapServers())) {
        for (int i = 0; i < 10; i++) {
          producer
              .send(new ProducerRecord<>("kept", "k" + i, "before-restart-" + i))
              .get(30, TimeUnit.SECONDS);
        }
      }
    }
    assertThat(dataDir.resolve("kafka-logs/meta.properties")).exists();
    String clusterId = clusterIdIn(dataDir);

    try (EmbeddedKafkaBroker second =
        EmbeddedKafkaBroker.builder().dataDir(dataDir).build().start()) {
      try (Admin admin =
          Admin.create(
              Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, second.bootstrapServers()))) {
        Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
        assertThat(topics).contains("kept");
        assertThat(admin.describeCluster().clusterId().get(30, TimeUnit.SECONDS))
            .isEqualTo(clusterId);
      }
      List<ConsumerRecord<String, String>> records =
          EmbeddedKafkaBrokerIT.consume(second.bootstrapServers(), "kept", 10, "read_uncommitted");
      assertThat(records)
          .extracting(ConsumerRecord::value)
          .hasSize(10)
          .allMatch(v -> v.startsWith("before-restart-"));
    }
  }

  private static String clusterIdIn(Path dataDir) throws Exception {
    Properties meta = new Properties();
    try (InputStream in = Files.newInputStream(dataDir.resolve("kafka-logs/meta.properties"))) {
      meta.load(in);
    }
    return meta.getProperty("cluster.id");
  }
}
