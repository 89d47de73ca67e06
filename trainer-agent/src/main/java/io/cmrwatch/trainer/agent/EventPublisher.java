package io.cmrwatch.trainer.agent;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.topic.Topic;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Publishes a run's loss events to the loss-event topic, keyed by experiment id, with an idempotent
 * producer and acks=all; each send waits for its acknowledgement (evaluations are rare), so that a
 * checkpoint written afterwards never runs ahead of the topic. Also reads back which evaluations of
 * a run the topic already holds, for a resumed run.
 */
public final class EventPublisher implements AutoCloseable {

  private static final long SEND_TIMEOUT_SECONDS = 60;

  private final String bootstrap;
  private final Topic<String, LossEvent> topic;
  private final KafkaProducer<String, LossEvent> producer;

  /** A publisher to {@code topic} on the cluster at {@code bootstrap}. */
  public EventPublisher(String bootstrap, Topic<String, LossEvent> topic) {
    this.bootstrap = bootstrap;
    this.topic = topic;
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.CLIENT_ID_CONFIG, "cmrwatch-trainer-" + UUID.randomUUID());
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 45_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    producer = topic.producer(p);
  }

  /**
   * Sends one event and waits for the broker's acknowledgement; throws with a next step when it
   * cannot.
   */
  public void publish(LossEvent event) throws InterruptedException {
    try {
      producer
          .send(topic.record(event.experiment(), event))
          .get(SEND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
      throw new PublishException(
          "could not publish "
              + event.eventId()
              + " to "
              + topic.name()
              + " at "
              + bootstrap
              + ": "
              + cause
              + " — is a broker running there? start one with `cmrwatch broker` or pass --bootstrap",
          cause);
    }
  }

  /**
   * Event ids of {@code run}'s evaluations already on the topic. Reads the one partition its
   * experiment's key maps to, from the beginning to its current end (evaluations published keyed by
   * run id, before the key was the experiment, are not found: sent again, they are duplicates the
   * streams app ignores).
   */
  public Set<String> publishedEventIds(String experiment, String run) {
    Set<String> ids = new HashSet<>();
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    try (KafkaConsumer<String, byte[]> consumer =
        new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
      List<PartitionInfo> partitions = consumer.partitionsFor(topic.name(), Duration.ofSeconds(30));
      if (partitions == null || partitions.isEmpty()) {
        return ids;
      }
      byte[] key = topic.keySerde().serializer().serialize(topic.name(), experiment);
      int partition = BuiltInPartitioner.partitionForKey(key, partitions.size());
      TopicPartition tp = new TopicPartition(topic.name(), partition);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      Map<TopicPartition, Long> end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (consumer.position(tp) < end.get(tp)) {
        if (System.nanoTime() > deadline) {
          throw new PublishException(
              "timed out reading " + tp + " to find the run's published evaluations", null);
        }
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          if (experiment.equals(r.key()) && r.value() != null) {
            try {
              LossEvent e = topic.decodeValue(r.value());
              if (e.run().equals(run)) {
                ids.add(e.eventId());
              }
            } catch (RuntimeException bad) {
              // Not ours to judge here: a malformed record is the dead-letter path's business.
            }
          }
        }
      }
    }
    return ids;
  }

  @Override
  public void close() {
    producer.close(Duration.ofSeconds(30));
  }

  /** A loss event could not be delivered. */
  public static final class PublishException extends RuntimeException {
    PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
