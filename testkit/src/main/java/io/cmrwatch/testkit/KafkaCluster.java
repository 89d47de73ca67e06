package io.cmrwatch.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A running Kafka cluster for integration tests, with the few client operations tests keep needing:
 * create topics, produce, and read a topic back for assertions. Get one from {@link
 * KafkaExtension}; the cluster is shared by every test of the JVM, so each test should use its own
 * topics ({@link #uniqueTopic(String)}) and consumer groups.
 *
 * <pre>{@code
 * @ExtendWith(KafkaExtension.class)
 * @Timeout(value = 3, unit = TimeUnit.MINUTES)
 * class MyAppIT {
 *   @Test
 *   void shouldEchoEvents(KafkaCluster kafka) {
 *     String in = kafka.uniqueTopic("in");
 *     kafka.createTopics(1, in);
 *     // ... run the code under test against kafka.bootstrapServers() ...
 *     List<ConsumerRecord<String, String>> out =
 *         kafka.awaitRecords("out", 3, IsolationLevel.READ_COMMITTED, Duration.ofSeconds(60));
 *   }
 * }
 * }</pre>
 */
public final class KafkaCluster {

  /** Where the cluster runs. */
  public enum Kind {
    /** The in-JVM KRaft broker of {@code cmrwatch-broker}, on 127.0.0.1. */
    EMBEDDED,
    /** A Testcontainers {@code apache/kafka} container. */
    CONTAINER
  }

  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final String bootstrapServers;
  private final Kind kind;

  KafkaCluster(String bootstrapServers, Kind kind) {
    this.bootstrapServers = bootstrapServers;
    this.kind = kind;
  }

  /** The address clients connect to, e.g. {@code 127.0.0.1:40123}. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  /** Whether this is the embedded broker or a container. */
  public Kind kind() {
    return kind;
  }

  /**
   * A topic name no other test of this JVM uses: {@code prefix} plus a sequence number, e.g. {@code
   * in-7}. The cluster is shared, so tests that reuse fixed names would see each other's records.
   */
  public String uniqueTopic(String prefix) {
    return prefix + "-" + SEQUENCE.incrementAndGet();
  }

  /** A fresh client configuration holding only the bootstrap address, to add settings to. */
  public Map<String, Object> clientConfig() {
    Map<String, Object> config = new HashMap<>();
    config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    return config;
  }

  /** An admin client; close it after use. */
  public Admin admin() {
    return Admin.create(clientConfig());
  }

  /**
   * Creates topics with {@code partitions} partitions and one replica each, and waits until they
   * exist. Topics that already exist are left as they are.
   */
  public void createTopics(int partitions, String... names) {
    List<NewTopic> topics =
        Arrays.stream(names).map(n -> new NewTopic(n, partitions, (short) 1)).toList();
    try (Admin admin = admin()) {
      admin
          .createTopics(topics)
          .values()
          .forEach(
              (name, future) -> {
                try {
                  future.get(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                  if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException(
                        "cannot create topic " + name + " on " + bootstrapServers, e.getCause());
                  }
                } catch (InterruptedException | TimeoutException e) {
                  throw interruptedOrTimedOut("creating topic " + name, e);
                }
              });
    }
  }

  /** A producer with {@code acks=all}; close it after use. */
  public <K, V> KafkaProducer<K, V> producer(
      Serializer<K> keySerializer, Serializer<V> valueSerializer) {
    Map<String, Object> config = clientConfig();
    config.put(ProducerConfig.ACKS_CONFIG, "all");
    return new KafkaProducer<>(config, keySerializer, valueSerializer);
  }

  /**
   * Every record in the topic right now, in partition then offset order: reads from the start of
   * each partition up to its end as of this call. With {@link IsolationLevel#READ_COMMITTED} the
   * end is the last stable offset, so records of open transactions are not waited for and aborted
   * ones never appear. Uses no consumer group.
   *
   * @throws IllegalStateException if the topic does not exist, or the records cannot be read within
   *     30 s
   */
  public <K, V> List<ConsumerRecord<K, V>> readAll(
      String topic,
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer,
      IsolationLevel isolation) {
    try (KafkaConsumer<K, V> consumer = consumer(keyDeserializer, valueDeserializer, isolation)) {
      List<TopicPartition> partitions = partitionsOf(consumer, topic);
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions, CLIENT_TIMEOUT);
      List<ConsumerRecord<K, V>> records = new ArrayList<>();
      long deadline = System.nanoTime() + CLIENT_TIMEOUT.toNanos();
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "could not read "
                  + topic
                  + " up to "
                  + end
                  + " within "
                  + CLIENT_TIMEOUT.toSeconds()
                  + " s; read "
                  + records.size()
                  + " records");
        }
        consumer
            .poll(Duration.ofMillis(100))
            .forEach(
                r -> {
                  if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                    records.add(r);
                  }
                });
      }
      return sorted(records);
    }
  }

  /**
   * {@link #readAll(String, Deserializer, Deserializer, IsolationLevel)} with UTF-8 string keys and
   * values.
   */
  public List<ConsumerRecord<String, String>> readAll(String topic, IsolationLevel isolation) {
    return readAll(topic, new StringDeserializer(), new StringDeserializer(), isolation);
  }

  /**
   * Reads the topic from the start until at least {@code count} records are there, for output that
   * is still being produced. Returns all records read (possibly more than {@code count}), in
   * partition then offset order. The topic may not exist yet when this starts.
   *
   * @throws AssertionError if fewer than {@code count} records arrived within {@code timeout}; the
   *     message says how many did
   */
  public <K, V> List<ConsumerRecord<K, V>> awaitRecords(
      String topic,
      int count,
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer,
      IsolationLevel isolation,
      Duration timeout) {
    List<ConsumerRecord<K, V>> records = new ArrayList<>();
    // (partition, offset) of every record kept: a record is returned once even if the consumer
    // is repositioned and reads it again.
    Set<String> seen = new HashSet<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    try (KafkaConsumer<K, V> consumer = consumer(keyDeserializer, valueDeserializer, isolation)) {
      // Partitions only ever join the assignment: metadata can briefly list fewer partitions (a
      // leader not yet elected), and dropping one would lose its position and re-read it later.
      Set<TopicPartition> assigned = new HashSet<>();
      while (records.size() < count && System.nanoTime() < deadline) {
        List<TopicPartition> added =
            consumer.partitionsFor(topic, CLIENT_TIMEOUT).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition()))
                .filter(p -> !assigned.contains(p))
                .toList();
        if (!added.isEmpty()) {
          // New partitions (or a topic that just appeared): start them from the beginning, keep the
          // others' position.
          assigned.addAll(added);
          consumer.assign(new ArrayList<>(assigned));
          consumer.seekToBeginning(added);
        }
        if (assigned.isEmpty()) {
          sleep(100);
          continue;
        }
        for (ConsumerRecord<K, V> r : consumer.poll(Duration.ofMillis(100))) {
          if (seen.add(r.partition() + "/" + r.offset())) {
            records.add(r);
          }
        }
      }
    }
    if (records.size() < count) {
      throw new AssertionError(
          "expected at least "
              + count
              + " records in "
              + topic
              + " ("
              + isolation
              + ") within "
              + timeout.toSeconds()
              + " s, got "
              + records.size()
              + ": "
              + records.stream()
                  .limit(10)
                  .map(r -> r.key() + "=" + r.value())
                  .collect(Collectors.joining(", ", "[", "]")));
    }
    return sorted(records);
  }

  /**
   * {@link #awaitRecords(String, int, Deserializer, Deserializer, IsolationLevel, Duration)} with
   * UTF-8 strings.
   */
  public List<ConsumerRecord<String, String>> awaitRecords(
      String topic, int count, IsolationLevel isolation, Duration timeout) {
    return awaitRecords(
        topic, count, new StringDeserializer(), new StringDeserializer(), isolation, timeout);
  }

  @Override
  public String toString() {
    return "KafkaCluster[" + kind + " at " + bootstrapServers + "]";
  }

  private <K, V> KafkaConsumer<K, V> consumer(
      Deserializer<K> keyDeserializer,
      Deserializer<V> valueDeserializer,
      IsolationLevel isolation) {
    Map<String, Object> config = clientConfig();
    config.put(
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation.toString().toLowerCase(Locale.ROOT));
    config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Looking at a topic must not create it (the broker auto-creates on metadata requests
    // otherwise), or the code
    // under test would later find it with the wrong partition count.
    config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    return new KafkaConsumer<>(config, keyDeserializer, valueDeserializer);
  }

  private List<TopicPartition> partitionsOf(KafkaConsumer<?, ?> consumer, String topic) {
    List<PartitionInfo> infos = consumer.partitionsFor(topic, CLIENT_TIMEOUT);
    if (infos == null || infos.isEmpty()) {
      try (Admin admin = admin()) {
        Set<String> names =
            admin.listTopics().names().get(CLIENT_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        throw new IllegalStateException(
            "topic "
                + topic
                + " does not exist on "
                + bootstrapServers
                + "; topics there: "
                + names.stream().sorted().toList());
      } catch (ExecutionException | InterruptedException | TimeoutException e) {
        throw new IllegalStateException(
            "topic " + topic + " does not exist on " + bootstrapServers, e);
      }
    }
    return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream()
        .allMatch(e -> consumer.position(e.getKey(), CLIENT_TIMEOUT) >= e.getValue());
  }

  private static <K, V> List<ConsumerRecord<K, V>> sorted(List<ConsumerRecord<K, V>> records) {
    List<ConsumerRecord<K, V>> copy = new ArrayList<>(records);
    copy.sort(
        (a, b) ->
            a.partition() != b.partition()
                ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
    return copy;
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static IllegalStateException interruptedOrTimedOut(String what, Exception e) {
    if (e instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    return new IllegalStateException(what + ": " + e, e);
  }
}
