package io.cmrwatch.ingest.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.kafka.serde.LossEventSerde;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.testkit.KafkaCluster;
import io.cmrwatch.testkit.KafkaExtension;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real HTTP requests to the running service, producing to a real broker; the topic is read back for
 * each check.
 */
@ExtendWith(KafkaExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class IngestServerIT {

  static final String ALL = "it-token-for-all-experiments-0001";
  static final String TEAM_A = "it-token-for-team-a-only-00000002";
  static final ObjectMapper JSON = new ObjectMapper();

  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  KafkaCluster kafka;
  IngestService service;
  String topic;

  @BeforeAll
  void start(KafkaCluster kafka, @TempDir Path dir) throws Exception {
    this.kafka = kafka;
    Path tokens = dir.resolve("tokens.txt");
    Files.writeString(tokens, "# test tokens\n" + ALL + "\n" + TEAM_A + " team-a-\n");
    String prefix = kafka.uniqueTopic("ingest") + ".";
    topic = TopicNames.withPrefix(prefix).lossEvents();
    service =
        IngestService.start(
            IngestSettings.defaults("127.0.0.1", 0, kafka.bootstrapServers(), tokens)
                .withTopicPrefix(prefix)
                .withLimits(64 * 1024, 200));
  }

  @AfterAll
  void stop() {
    if (service != null) {
      service.close();
    }
  }

  static String event(String experiment, String run, long tokens, double generalLoss) {
    return "{\"schema\":1,\"experiment\":\""
        + experiment
        + "\",\"run\":\""
        + run
        + "\",\"ratio\":0.25,\"tokens\":"
        + tokens
        + ",\"generalLoss\":"
        + generalLoss
        + ",\"domainLoss\":1.9,\"baseGeneralLoss\":2.3,"
        + "\"baseDomainLoss\":2.2,\"eventId\":\""
        + run
        + "/"
        + tokens
        + "\"}";
  }

  HttpResponse<String> post(String token, String contentType, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(service.url() + "/v1/events"))
            .timeout(Duration.ofSeconds(60))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(service.url() + path))
            .timeout(Duration.ofSeconds(30))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /**
   * The events of {@code experiment} on the topic, after the service answered (a 202 means
   * acknowledged).
   */
  List<ConsumerRecord<String, LossEvent>> onTopic(String experiment) {
    service.monitor().check(); // the topic exists once the monitor has seen the broker
    return kafka
        .readAll(
            topic,
            new StringDeserializer(),
            new LossEventSerde().deserializer(),
            IsolationLevel.READ_UNCOMMITTED)
        .stream()
        .filter(r -> r.value().experiment().equals(experiment))
        .toList();
  }

  void awaitBrokerUp() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!service.monitor().isUp() && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(service.monitor().isUp()).as("broker seen by the monitor").isTrue();
  }

  @Test
  void shouldAcceptASingleJsonEventOntoTheTopicKeyedByRun() throws Exception {
    awaitBrokerUp();
    HttpResponse<String> r =
        post(ALL, "application/json; charset=utf-8", event("single", "run-s", 100, 2.3));
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(JSON.readTree(r.body()).get("accepted").asInt()).isEqualTo(1);
    List<ConsumerRecord<String, LossEvent>> records = onTopic("single");
    assertThat(records)
        .singleElement()
        .satisfies(
            rec -> {
              assertThat(rec.key()).isEqualTo("single");
              assertThat(rec.value().tokens()).isEqualTo(100);
            });
  }

  @Test
  void shouldAcceptAnNdjsonBatch() throws Exception {
    awaitBrokerUp();
    String body =
        IntStream.range(0, 150)
            .mapToObj(i -> event("batch", "run-b" + i % 3, i, 2.3))
            .collect(Collectors.joining("\n", "", "\n"));
    HttpResponse<String> r = post(ALL, "application/x-ndjson", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(JSON.readTree(r.body()).get("accepted").asInt()).isEqualTo(150);
    assertThat(JSON.readTree(r.body()).get("rejected")).isEmpty();
    List<ConsumerRecord<String, LossEvent>> records = onTopic("batch");
    assertThat(records).hasSize(150);
    assertThat(records)
        .allSatisfy(rec -> assertThat(rec.key()).isEqualTo(rec.value().experiment()));
  }

  @Test
  void shouldAcceptTheValidLinesOfAMixedBatchAndListTheRejectedOnes() throws Exception {
    awaitBrokerUp();
    String body =
        String.join(
            "\n",
            event("mixed", "m", 1, 2.3),
            "{\"this is\": not json",
            event("mixed", "m", 2, -0.5),
            "",
            event("mixed", "m", 3, 2.2),
            event("mixed", "m", -4, 2.2),
            event("mixed", "m", 5, 2.1));
    HttpResponse<String> r = post(ALL, "application/x-ndjson", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    JsonNode json = JSON.readTree(r.body());
    assertThat(json.get("accepted").asInt()).isEqualTo(3);
    assertThat(json.get("rejected")).hasSize(3);
    assertThat(json.get("rejected").findValuesAsText("reason"))
        .containsExactly("malformed_json", "negative_loss", "negative_tokens");
    assertThat(json.get("rejected").findValues("line"))
        .extracting(JsonNode::asInt)
        .containsExactly(2, 3, 6);
    assertThat(json.get("rejected").get(1).get("message").asText()).contains("generalLoss");
    assertThat(onTopic("mixed"))
        .extracting(rec -> rec.value().tokens())
        .containsExactlyInAnyOrder(1L, 3L, 5L);

    HttpResponse<String> metrics = get("/metrics");
    assertThat(metrics.body())
        .contains(
            "cmrwatch_ingest_events_rejected_total{application=\"cmrwatch-ingest\",reason=\"negative_tokens\"}")
        .contains(
            "cmrwatch_ingest_requests_total{application=\"cmrwatch-ingest\",endpoint=\"/v1/events\",status=\"202\"}")
        .contains("cmrwatch_ingest_request_duration_seconds_bucket")
        .contains("kafka_producer_record_send_total");
  }

  @Test
  void shouldAnswer400WhenEveryLineIsInvalid() throws Exception {
    HttpResponse<String> r = post(ALL, "application/x-ndjson", event("bad", "b", 1, -1) + "\n{}\n");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
    JsonNode json = JSON.readTree(r.body());
    assertThat(json.get("accepted").asInt()).isZero();
    assertThat(json.get("rejected").findValuesAsText("reason"))
        .containsExactly("negative_loss", "missing_field");
    assertThat(onTopic("bad")).isEmpty();
  }

  @Test
  void shouldRefuseMissingAndWrongTokens() throws Exception {
    HttpResponse<String> missing = post(null, "application/json", event("auth", "a", 1, 2.3));
    assertThat(missing.statusCode()).isEqualTo(401);
    assertThat(missing.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(missing.body()).contains("missing Authorization header");
    HttpResponse<String> wrong =
        post(ALL.replace('1', '2'), "application/json", event("auth", "a", 1, 2.3));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).contains("not valid");
    assertThat(onTopic("auth")).isEmpty();
  }

  @Test
  void shouldRefuseEventsOutsideTheTokensScope() throws Exception {
    awaitBrokerUp();
    String body = event("team-a-exp", "s", 1, 2.3) + "\n" + event("team-b-exp", "s", 2, 2.3) + "\n";
    HttpResponse<String> r = post(TEAM_A, "application/x-ndjson", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
    assertThat(r.body()).contains("team-b-exp").contains("team-a-");
    HttpResponse<String> ok =
        post(TEAM_A, "application/x-ndjson", event("team-a-exp", "s", 3, 2.3));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(onTopic("team-a-exp")).extracting(rec -> rec.value().tokens()).containsExactly(3L);
    assertThat(onTopic("team-b-exp")).isEmpty();
  }

  @Test
  void shouldRefuseOversizeBodiesAndTooManyLinesWhateverContentLengthSays() throws Exception {
    String line = event("big", "g", 1, 2.3) + "\n";
    String big = line.repeat(64 * 1024 / line.length() + 10);
    HttpResponse<String> r = post(ALL, "application/x-ndjson", big);
    assertThat(r.statusCode()).isEqualTo(413);
    assertThat(r.body()).contains("larger than 65536 bytes");
    // Chunked: no Content-Length at all, so the cap on reading is what stops it.
    HttpRequest chunked =
        HttpRequest.newBuilder(URI.create(service.url() + "/v1/events"))
            .header("Authorization", "Bearer " + ALL)
            .header("Content-Type", "application/x-ndjson")
            .POST(
                HttpRequest.BodyPublishers.ofInputStream(
                    () -> new ByteArrayInputStream(big.getBytes())))
            .build();
    HttpResponse<String> rc = http.send(chunked, HttpResponse.BodyHandlers.ofString());
    assertThat(rc.statusCode()).isEqualTo(413);
    HttpResponse<String> lines = post(ALL, "application/x-ndjson", "{}\n".repeat(201));
    assertThat(lines.statusCode()).isEqualTo(413);
    assertThat(lines.body()).contains("more than 200 lines");
    assertThat(onTopic("big")).isEmpty();
  }

  @Test
  void shouldRefuseUnknownContentTypes() throws Exception {
    HttpResponse<String> r = post(ALL, "text/csv", event("ctype", "c", 1, 2.3));
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.body()).contains("application/x-ndjson");
    HttpResponse<String> none = post(ALL, null, event("ctype", "c", 1, 2.3));
    assertThat(none.statusCode()).isEqualTo(415);
    assertThat(onTopic("ctype")).isEmpty();
  }

  @Test
  void shouldReportHealthAndAnswerOtherPathsAndMethodsClearly() throws Exception {
    awaitBrokerUp();
    HttpResponse<String> health = get("/health");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("broker").asText()).isEqualTo("up");
    assertThat(get("/nope").statusCode()).isEqualTo(404);
    HttpResponse<String> getEvents = get("/v1/events");
    assertThat(getEvents.statusCode()).isEqualTo(405);
    assertThat(getEvents.headers().firstValue("Allow")).contains("POST");
  }

  /** Sends {@code request} raw over a socket and reads the answer until close or 5 s. */
  String raw(String request) throws Exception {
    try (Socket s = new Socket("127.0.0.1", service.port())) {
      s.setSoTimeout(5_000);
      try {
        s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        s.shutdownOutput();
      } catch (IOException e) {
        // Answered and closed before the request was all sent: read what it said.
      }
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        s.getInputStream().transferTo(out);
      } catch (IOException e) {
        // A reset after the answer.
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void shouldAnswerHealthWithinASecondWhileSilentClientsHoldRequests() throws Exception {
    // More silent clients than request threads (16): each sent a request line, or a whole head
    // promising a body, and nothing more.
    List<Socket> silent = new ArrayList<>();
    try {
      for (int i = 0; i < 48; i++) {
        Socket s = new Socket("127.0.0.1", service.port());
        silent.add(s);
        String head =
            i % 2 == 0
                ? "POST /v1/events HTTP/1.1\r\n"
                : "POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + ALL
                    + "\r\nContent-Type: application/x-ndjson\r\nContent-Length: 1000\r\n\r\n";
        s.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
      }
      long t0 = System.nanoTime();
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(URI.create(service.url() + "/health"))
                  .timeout(Duration.ofSeconds(1))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).isIn(200, 503);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(1));
    } finally {
      for (Socket s : silent) {
        s.close();
      }
    }
  }

  @Test
  void shouldAnswer400ForFramingErrorsAnd431ForHeaderFloods() throws Exception {
    String auth = "Host: x\r\nAuthorization: Bearer " + ALL + "\r\n";
    String shortBody =
        raw(
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nContent-Length: 500\r\n\r\n"
                + event("framing", "f", 1, 2.3));
    assertThat(shortBody).startsWith("HTTP/1.1 400");
    String badChunks =
        raw(
            "POST /v1/events HTTP/1.1\r\n"
                + auth
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nnot-hex\r\n{}\r\n0\r\n\r\n");
    assertThat(badChunks).startsWith("HTTP/1.1 400");
    StringBuilder many = new StringBuilder("GET /health HTTP/1.1\r\nHost: x\r\n");
    for (int i = 0; i < 500; i++) {
      many.append("X-Flood-").append(i).append(": 1\r\n");
    }
    assertThat(raw(many.append("\r\n").toString())).startsWith("HTTP/1.1 431");
    assertThat(raw("GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(1 << 20) + "\r\n\r\n"))
        .startsWith("HTTP/1.1 431");
    assertThat(onTopic("framing")).isEmpty();
  }

  @Test
  void shouldAcceptOnlyWhatThePipelineKeepsAndWriteItsCanonicalEncoding() throws Exception {
    awaitBrokerUp();
    // Three documents as "one JSON event": none is taken, none silently dropped.
    HttpResponse<String> three =
        post(
            ALL,
            "application/json",
            event("strict", "s", 1, 2.3)
                + "\n"
                + event("strict", "s", 2, 2.3)
                + "\n"
                + event("strict", "s", 3, 2.3));
    assertThat(three.statusCode()).as(three.body()).isEqualTo(400);
    assertThat(JSON.readTree(three.body()).get("rejected").findValuesAsText("reason"))
        .containsExactly("malformed_json");
    String body =
        String.join(
            "\n",
            event("strict", "s", 4, 2.3) + event("strict", "s", 5, 2.3),
            event("strict", "s", 6, 2.3) + " garbage",
            event("strict", "s\\ud800", 7, 2.3),
            event("strict", "s", 8, 2.3).replace("\"schema\":1", "\"schema\":4294967297"),
            event("strict", "s", 9, 1e300),
            event("strict", "s", 10, 2.3).replace("{", "{ \"extra\" : [1, 2] , "));
    HttpResponse<String> r = post(ALL, "application/x-ndjson", body);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    assertThat(JSON.readTree(r.body()).get("rejected").findValuesAsText("reason"))
        .containsExactly(
            "malformed_json", "malformed_json", "bad_id", "unknown_schema", "loss_out_of_range");
    List<ConsumerRecord<String, LossEvent>> kept = onTopic("strict");
    assertThat(kept).extracting(rec -> rec.value().tokens()).containsExactly(10L);
    byte[] raw =
        kafka
            .readAll(
                topic,
                new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                IsolationLevel.READ_UNCOMMITTED)
            .stream()
            .filter(
                rec ->
                    rec.value().length > 0
                        && new String(rec.value(), StandardCharsets.UTF_8).contains("\"strict\""))
            .findFirst()
            .orElseThrow()
            .value();
    assertThat(raw).isEqualTo(io.cmrwatch.core.event.LossEventCodec.encode(kept.get(0).value()));

    // A field named twice cannot pass the scope check with one name and reach the topic with both.
    String smuggled =
        event("team-b-victim", "v", 1, 2.3)
            .replace("{\"schema\":1,", "{\"schema\":1,\"experiment\":\"team-a-x\",");
    HttpResponse<String> dup = post(TEAM_A, "application/json", smuggled);
    assertThat(dup.statusCode()).as(dup.body()).isEqualTo(400);
    assertThat(dup.body()).contains("Duplicate field");
    assertThat(onTopic("team-b-victim")).isEmpty();
    assertThat(onTopic("team-a-x")).isEmpty();
  }
}
