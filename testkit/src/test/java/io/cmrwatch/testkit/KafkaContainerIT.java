package io.cmrwatch.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The container path of the fixture; needs a Docker engine and is skipped without one. */
@Tag("docker")
@Testcontainers(disabledWithoutDocker = true)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class KafkaContainerIT {

  @Test
  void shouldProduceAndReadBackOnAKafkaContainer() throws Exception {
    try (KafkaClusters.Running running = KafkaClusters.container()) {
      KafkaCluster kafka = running.cluster();
      assertThat(kafka.kind()).isEqualTo(KafkaCluster.Kind.CONTAINER);
      String topic = kafka.uniqueTopic("container");
      kafka.createTopics(1, topic);
      try (KafkaProducer<String, String> producer =
          kafka.producer(new StringSerializer(), new StringSerializer())) {
        producer.send(new ProducerRecord<>(topic, "k", "v")).get(60, TimeUnit.SECONDS);
      }

      assertThat(kafka.readAll(topic, IsolationLevel.READ_COMMITTED))
          .extracting(ConsumerRecord::value)
          .containsExactly("v");
    }
  }
}
