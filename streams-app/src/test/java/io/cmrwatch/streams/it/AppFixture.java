package io.cmrwatch.streams.it;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.streams.StreamsApp;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.testkit.KafkaCluster;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Shared set-up of the streams app's integration tests: per-test topics and application id,
 * test-sized settings.
 */
final class AppFixture {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private AppFixture() {}

  /**
   * Settings for one test: its own topic prefix and application id, small intervals, record cache
   * off.
   */
  static AppConfig config(
      KafkaCluster kafka, String name, Path stateDir, Map<String, String> extra) {
    String unique = kafka.uniqueTopic(name);
    Map<String, String> m = new HashMap<>();
    m.put("cmrwatch.bootstrap", kafka.bootstrapServers());
    m.put("cmrwatch.topic-prefix", unique + ".");
    m.put("cmrwatch.application-id", unique);
    m.put("cmrwatch.state-dir", stateDir.toString());
    m.put("cmrwatch.http.port", "0");
    m.put("cmrwatch.topics.partitions", "4");
    m.put("cmrwatch.commit-interval-ms", "100");
    m.put("cmrwatch.cache-max-bytes", "0");
    m.put("cmrwatch.estimate.min-interval-ms", "50");
    m.put("cmrwatch.run-fit.min-interval-ms", "50");
    m.put("cmrwatch.punctuate-interval-ms", "50");
    m.put("cmrwatch.kafka.session.timeout.ms", "10000");
    m.put("cmrwatch.kafka.heartbeat.interval.ms", "1000");
    m.putAll(extra);
    return AppConfig.of(m);
  }

  static KafkaProducer<String, byte[]> producer(KafkaCluster kafka) {
    return kafka.producer(new StringSerializer(), new ByteArraySerializer());
  }

  /** Sends the events keyed by their experiment id, as producers do. */
  static void send(KafkaProducer<String, byte[]> p, String topic, List<LossEvent> events) {
    for (LossEvent e : events) {
      p.send(new ProducerRecord<>(topic, e.experiment(), LossEventCodec.encode(e)));
    }
    p.flush();
  }

  /** Sends the events keyed by their run id, as producers did before the experiment key. */
  static void sendRunKeyed(KafkaProducer<String, byte[]> p, String topic, List<LossEvent> events) {
    for (LossEvent e : events) {
      p.send(new ProducerRecord<>(topic, e.run(), LossEventCodec.encode(e)));
    }
    p.flush();
  }

  static void sendRaw(KafkaProducer<String, byte[]> p, String topic, String key, String value) {
    p.send(new ProducerRecord<>(topic, key, value.getBytes(StandardCharsets.UTF_8)));
    p.flush();
  }

  /** GET {@code path} on the app; returns status and body. */
  static HttpResponse<String> get(StreamsApp app, String path) {
    return get(app.url(), path);
  }

  static HttpResponse<String> get(String base, String path) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create(base + path))
              .timeout(Duration.ofSeconds(20))
              .GET()
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new IllegalStateException("GET " + base + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
