package io.cmrwatch.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cmrwatch.broker.EmbeddedKafkaBroker;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.TopicNames;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service starts while no broker runs, answers a clear 503 with Retry-After, and accepts events
 * once a broker comes up on the configured address — and again after that broker restarts — without
 * being restarted itself.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BrokerOutageIT {

  static final String TOKEN = "outage-test-token-0123456789";
  static final ObjectMapper JSON = new ObjectMapper();

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  HttpResponse<String> post(String url, long tokens) throws Exception {
    String body =
        "{\"schema\":1,\"experiment\":\"outage\",\"run\":\"o1\",\"ratio\":0.5,\"tokens\":"
            + tokens
            + ",\"generalLoss\":2.3,\"domainLoss\":2.0,\"baseGeneralLoss\":2.3,\"baseDomainLoss\":2.2,\"eventId\":\"o1/"
            + tokens
            + "\"}";
    return http.send(
        HttpRequest.newBuilder(URI.create(url + "/v1/events"))
            .timeout(Duration.ofSeconds(60))
            .header("Authorization", "Bearer " + TOKEN)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Posts until a 202 (at most {@code timeout}); every other answer on the way must be a 503 with
   * Retry-After.
   */
  HttpResponse<String> postUntilAccepted(String url, long tokens, Duration timeout)
      throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      HttpResponse<String> r = post(url, tokens);
      if (r.statusCode() == 202 || System.nanoTime() > deadline) {
        return r;
      }
      assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      Thread.sleep(500);
    }
  }

  @Test
  void shouldAnswer503WhileTheBrokerIsDownAndRecoverWithoutRestart(@TempDir Path dir)
      throws Exception {
    int brokerPort = freePort();
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, TOKEN + "\n");
    IngestSettings d = IngestSettings.defaults("127.0.0.1", 0, "127.0.0.1:" + brokerPort, tokens);
    IngestSettings settings =
        new IngestSettings(
            d.host(),
            0,
            d.bootstrap(),
            "outage.",
            1,
            tokens,
            d.maxBodyBytes(),
            d.maxLines(),
            d.maxInFlightEvents(),
            d.http().withThreads(4),
            Duration.ofSeconds(2),
            Duration.ofSeconds(6),
            Map.of());
    String topic = TopicNames.withPrefix("outage.").lossEvents();

    try (IngestService service = IngestService.start(settings)) {
      // Down at start: a clear 503, quickly, and health says why.
      long t0 = System.nanoTime();
      HttpResponse<String> down = post(service.url(), 1);
      assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
      assertThat(down.headers().firstValue("Retry-After")).contains("2");
      assertThat(JSON.readTree(down.body()).get("error").asText()).isEqualTo("broker_unavailable");
      assertThat(down.body()).contains("127.0.0.1:" + brokerPort);
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create(service.url() + "/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isEqualTo(503);

      Path data = dir.resolve("kafka");
      try (EmbeddedKafkaBroker broker =
          EmbeddedKafkaBroker.builder().port(brokerPort).dataDir(data).build().start()) {
        HttpResponse<String> up = postUntilAccepted(service.url(), 1, Duration.ofSeconds(90));
        assertThat(up.statusCode()).as(up.body()).isEqualTo(202);
        assertThat(readTokens(broker.bootstrapServers(), topic)).containsExactly(1L);
      }

      // Down again after having been up (the producer has cached metadata): 503 within the delivery
      // timeout.
      HttpResponse<String> again = post(service.url(), 2);
      assertThat(again.statusCode()).as(again.body()).isEqualTo(503);

      try (EmbeddedKafkaBroker broker =
          EmbeddedKafkaBroker.builder().port(brokerPort).dataDir(data).build().start()) {
        HttpResponse<String> back = postUntilAccepted(service.url(), 3, Duration.ofSeconds(90));
        assertThat(back.statusCode()).as(back.body()).isEqualTo(202);
        // Event 2 was answered 503, so it may or may not have been written; 1 and 3 must be there,
        // once each.
        List<Long> seen = readTokens(broker.bootstrapServers(), topic);
        assertThat(seen).contains(1L, 3L);
        assertThat(seen).doesNotHaveDuplicates();
      }
    }
  }

  static List<Long> readTokens(String bootstrap, String topic) {
    Map<String, Object> cfg =
        Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
            bootstrap,
            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
            "earliest",
            ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
            false,
            ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG,
            false);
    try (KafkaConsumer<String, LossEvent> c =
        new KafkaConsumer<>(cfg, new StringDeserializer(), new LossEventSerde().deserializer())) {
      List<TopicPartition> parts =
          c.partitionsFor(topic, Duration.ofSeconds(30)).stream()
              .map(p -> new TopicPartition(p.topic(), p.partition()))
              .toList();
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
      List<Long> out = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (parts.stream().anyMatch(p -> c.position(p) < end.get(p))
          && System.nanoTime() < deadline) {
        for (ConsumerRecord<String, LossEvent> r : c.poll(Duration.ofMillis(200))) {
          out.add(r.value().tokens());
        }
      }
      return out;
    }
  }
}
