package io.cmrwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One embedded broker, shared by the class: clients work against it, and it is reachable on
 * loopback only.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class EmbeddedKafkaBrokerIT {

  private static EmbeddedKafkaBroker broker;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.builder().build().start();
  }

  @AfterAll
  static void stopBroker() {
    if (broker != null) {
      broker.close();
    }
  }

  @Test
  void shouldDeliverProducedRecordsToAConsumer() throws Exception {
    String topic = "produce-consume";
    createTopic(broker.bootstrapServers(), topic, 3);
    List<String> sent = new ArrayList<>();
    try (KafkaProducer<String, String> producer = producer(broker.bootstrapServers())) {
      for (int i = 0; i < 30; i++) {
        sent.add("value-" + i);
        producer
            .send(new ProducerRecord<>(topic, "key-" + (i % 5), "value-" + i))
            .get(30, TimeUnit.SECONDS);
      }
    }

    List<ConsumerRecord<String, String>> received =
        consume(broker.bootstrapServers(), topic, sent.size(), "read_uncommitted");

    assertThat(received)
        .extracting(ConsumerRecord::value)
        .containsExactlyInAnyOrderElementsOf(sent);
    assertThat(received).extracting(ConsumerRecord::partition).containsOnly(0, 1, 2);
  }

  @Test
  void shouldBindEveryListenerOnLoopbackOnly() throws Exception {
    Map<String, InetSocketAddress> listeners = broker.listeners();
    assertThat(listeners).containsOnlyKeys("PLAINTEXT", "CONTROLLER");
    assertThat(listeners.values())
        .allSatisfy(a -> assertThat(a.getAddress().isLoopbackAddress()).isTrue());
    assertThat(broker.bootstrapServers()).isEqualTo("127.0.0.1:" + broker.port());

    // What the broker tells clients to connect to.
    try (Admin admin =
        Admin.create(
            Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      Collection<Node> nodes = admin.describeCluster().nodes().get(30, TimeUnit.SECONDS);
      assertThat(nodes)
          .isNotEmpty()
          .allSatisfy(node -> assertThat(node.host()).isEqualTo("127.0.0.1"));
    }

    // What the kernel really bound: every listening socket of this JVM, which includes both of the
    // broker's.
    List<InetSocketAddress> bound = ListeningSockets.ofThisProcess();
    assertThat(bound)
        .extracting(InetSocketAddress::getPort)
        .contains(listeners.get("PLAINTEXT").getPort(), listeners.get("CONTROLLER").getPort());
    assertThat(bound)
        .allSatisfy(
            a ->
                assertThat(a.getAddress().isLoopbackAddress())
                    .as("listening socket %s is on loopback", a)
                    .isTrue());

    // And from another local address, nothing answers on those ports.
    for (InetAddress address : nonLoopbackLocalAddresses()) {
      for (InetSocketAddress listener : listeners.values()) {
        assertThat(connects(new InetSocketAddress(address, listener.getPort())))
            .as("connection to %s:%d", address.getHostAddress(), listener.getPort())
            .isFalse();
      }
    }
  }

  @Test
  void shouldRefuseAPortThatIsTaken() {
    EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().port(broker.port()).build();

    assertThatThrownBy(second::start)
        .isInstanceOf(PortInUseException.class)
        .hasMessageContaining("127.0.0.1:" + broker.port() + " is already in use")
        .satisfies(e -> assertThat(((PortInUseException) e).port()).isEqualTo(broker.port()));
    second.close();
  }

  @Test
  void shouldRefuseADataDirThatIsInUse() {
    EmbeddedKafkaBroker second = EmbeddedKafkaBroker.builder().dataDir(broker.dataDir()).build();

    assertThatThrownBy(second::start)
        .isInstanceOf(BrokerStartException.class)
        .hasMessageContaining("is in use by another running broker");
    assertThat(broker.isRunning()).isTrue();
  }

  @Test
  void shouldDeleteItsTemporaryDataDirOnClose() {
    EmbeddedKafkaBroker temporary = EmbeddedKafkaBroker.builder().build().start();
    Path dir = temporary.dataDir();
    assertThat(dir).isDirectory();

    temporary.close();

    assertThat(temporary.isRunning()).isFalse();
    assertThat(dir).doesNotExist();
  }

  private static List<InetAddress> nonLoopbackLocalAddresses() throws IOException {
    List<InetAddress> addresses = new ArrayList<>();
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress a : Collections.list(nic.getInetAddresses())) {
        if (!a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
          addresses.add(a);
        }
      }
    }
    return addresses;
  }

  private static boolean connects(InetSocketAddress address) throws IOException {
    try (Socket socket = new Socket()) {
      socket.connect(address, 2_000);
      return true;
    } catch (ConnectException | SocketTimeoutException e) {
      return false;
    }
  }

  static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    try (Admin admin =
        Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      admin
          .createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
          .all()
          .get(30, TimeUnit.SECONDS);
    }
  }

  static KafkaProducer<String, String> producer(String bootstrap) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
        new StringSerializer(),
        new StringSerializer());
  }

  /** Reads the topic from the beginning until {@code expected} records arrived (or 60 s passed). */
  static List<ConsumerRecord<String, String>> consume(
      String bootstrap, String topic, int expected, String isolationLevel) {
    List<ConsumerRecord<String, String>> records = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap,
                ConsumerConfig.GROUP_ID_CONFIG,
                "it-" + topic + "-" + System.nanoTime(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                isolationLevel),
            new StringDeserializer(),
            new StringDeserializer())) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (records.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(records::add);
      }
    }
    return records;
  }
}
