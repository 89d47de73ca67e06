package io.cmrwatch.streams.topology;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.core.cmr.ExperimentEstimate;
import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.kafka.topic.TopicNames;
import io.cmrwatch.streams.StreamsApp;
import io.cmrwatch.streams.config.AppConfig;
import io.cmrwatch.streams.json.Json;
import io.cmrwatch.streams.metrics.StreamsMetrics;
import io.cmrwatch.streams.state.ExperimentState;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/** A TopologyTestDriver around {@link CmrTopology#build}, with readers for every output topic. */
final class Harness implements AutoCloseable {

  static final Instant START = Instant.parse("2026-11-28T12:00:00Z");

  final AppConfig cfg;
  final StreamsMetrics metrics;
  final TopologyTestDriver driver;
  final TestInputTopic<String, byte[]> events;
  final TestInputTopic<String, byte[]> experiments;
  final TestOutputTopic<String, String> runFits;
  final TestOutputTopic<String, String> estimates;
  final TestOutputTopic<String, String> alerts;
  final TestOutputTopic<String, String> advice;
  final TestOutputTopic<byte[], byte[]> dlq;

  Harness(Path stateDir, Map<String, String> settings) {
    Map<String, String> all = new HashMap<>();
    all.put("cmrwatch.bootstrap", "unused:9092");
    all.put("cmrwatch.state-dir", stateDir.toString());
    // TopologyTestDriver drops dead-letter records that a deserialization handler returns under
    // exactly-once (its
    // mock producer's transaction handling); the embedded-broker ITs cover exactly-once for real.
    all.put("cmrwatch.processing-guarantee", "at_least_once");
    // The mock wall clock races ahead of real time: analyses are not held to a share of it here.
    all.put("cmrwatch.estimate.backlog-share", "1");
    all.putAll(settings);
    cfg = AppConfig.of(all);
    metrics = new StreamsMetrics(cfg.metricsMaxRuns());
    driver =
        new TopologyTestDriver(
            CmrTopology.build(cfg, metrics),
            StreamsApp.streamsProperties(cfg, metrics, null),
            START);
    TopicNames n = cfg.topicNames();
    events =
        driver.createInputTopic(n.lossEvents(), new StringSerializer(), new ByteArraySerializer());
    experiments =
        driver.createInputTopic(n.experiments(), new StringSerializer(), new ByteArraySerializer());
    runFits =
        driver.createOutputTopic(n.runFits(), new StringDeserializer(), new StringDeserializer());
    estimates =
        driver.createOutputTopic(
            n.cmrEstimates(), new StringDeserializer(), new StringDeserializer());
    alerts =
        driver.createOutputTopic(n.alerts(), new StringDeserializer(), new StringDeserializer());
    advice =
        driver.createOutputTopic(
            n.ratioAdvice(), new StringDeserializer(), new StringDeserializer());
    dlq =
        driver.createOutputTopic(
            n.lossEventsDlq(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
  }

  /** Sends {@code e} keyed by its experiment id, as producers do. */
  void send(LossEvent e) {
    events.pipeInput(e.experiment(), LossEventCodec.encode(e));
  }

  void send(List<LossEvent> list) {
    list.forEach(this::send);
  }

  void sendRaw(String key, String value) {
    events.pipeInput(key, value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  void advance(Duration d) {
    driver.advanceWallClockTime(d);
  }

  /**
   * Advances the wall clock in steps of an analysis interval past the settling time: every
   * experiment is analysed with all its events, then settled.
   */
  void settle() {
    long step = cfg.estimateMinInterval().toMillis() + cfg.punctuateInterval().toMillis();
    long until = cfg.estimateSettleAfter().toMillis() + 2 * step;
    for (long t = 0; t <= until; t += step) {
      driver.advanceWallClockTime(Duration.ofMillis(step));
    }
  }

  /** The experiment's state in the store. */
  ExperimentState state(String experiment) {
    KeyValueStore<String, ExperimentState> store = driver.getKeyValueStore(StoreNames.EXPERIMENTS);
    return store.get(experiment);
  }

  /** The estimate of {@code experiment} last published. */
  ExperimentEstimate published(String experiment) {
    return state(experiment).published();
  }

  static List<JsonNode> json(TestOutputTopic<String, String> topic) {
    List<JsonNode> out = new ArrayList<>();
    for (TestRecord<String, String> r : topic.readRecordsToList()) {
      out.add(parse(r.value()));
    }
    return out;
  }

  static JsonNode parse(String s) {
    try {
      return Json.MAPPER.readTree(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    driver.close();
    metrics.close();
  }
}
