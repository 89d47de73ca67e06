package io.cmrwatch.cli.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.cmrwatch.kafka.topic.Topic;
import java.time.Duration;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the CMR estimate topic and turns each new estimate into one short line for the terminal.
 * An estimate that reads like the previous one of its experiment is not repeated, and an experiment
 * prints at most one line per {@code minInterval} (the newest; the line says how many were passed
 * over), so a fast simulated stream stays readable. Every estimate read is counted.
 */
public final class EstimateWatcher implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EstimateWatcher.class);
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

  private final KafkaConsumer<String, byte[]> consumer;
  private final Topic<String, JsonNode> topic;
  private final Consumer<String> out;
  private final Duration minInterval;
  private final Thread thread;
  private final AtomicLong estimates = new AtomicLong();
  private final Map<String, Feed> feeds = new LinkedHashMap<>();
  private volatile boolean running = true;

  private EstimateWatcher(
      String bootstrap, Topic<String, JsonNode> topic, Consumer<String> out, Duration minInterval) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    // Read only what the streams app has committed: no estimate from an aborted transaction is
    // printed.
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cmrwatch-demo-estimates");
    // Values are decoded record by record (the topic's serde), so that one unreadable record is
    // reported and passed over instead of stopping the poll.
    this.consumer =
        new KafkaConsumer<>(p, topic.keySerde().deserializer(), new ByteArrayDeserializer());
    this.topic = topic;
    this.out = out;
    this.minInterval = minInterval;
    this.thread = new Thread(this::loop, "cmrwatch-demo-estimates");
    this.thread.setDaemon(true);
  }

  /**
   * Starts following {@code topic} on {@code bootstrap}, from its beginning, printing lines to
   * {@code out}.
   */
  public static EstimateWatcher start(
      String bootstrap, Topic<String, JsonNode> topic, Consumer<String> out, Duration minInterval) {
    EstimateWatcher w = new EstimateWatcher(bootstrap, topic, out, minInterval);
    w.thread.start();
    return w;
  }

  /** How many estimates have been read so far (all of them, printed or not). */
  public long estimates() {
    return estimates.get();
  }

  private void loop() {
    try {
      assignWhenTopicExists();
      while (running) {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
          estimates.incrementAndGet();
          handle(r.key(), r.value());
        }
        flush(false);
      }
    } catch (WakeupException | InterruptException e) {
      // close() asked us to stop.
    } catch (RuntimeException e) {
      if (running) {
        LOG.warn("stopped following {}: {}", topic.name(), e.toString());
      }
    } finally {
      flush(true);
      consumer.close(Duration.ofSeconds(5));
    }
  }

  // The streams app creates the topic at start; until then there is nothing to assign.
  private void assignWhenTopicExists() {
    while (running) {
      List<PartitionInfo> parts = consumer.partitionsFor(topic.name(), Duration.ofSeconds(5));
      if (parts != null && !parts.isEmpty()) {
        consumer.assign(
            parts.stream().map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList());
        return;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private void handle(String key, byte[] value) {
    String line;
    String experiment = key;
    try {
      JsonNode n = topic.decodeValue(value);
      if (n.hasNonNull("experiment")) {
        experiment = n.get("experiment").asText();
      }
      line = describe(n);
    } catch (RuntimeException e) {
      line = "unreadable estimate (" + e.getMessage() + ")";
    }
    Feed f = feeds.computeIfAbsent(experiment == null ? "?" : experiment, k -> new Feed());
    if (line.equals(f.pending != null ? f.pending : f.printed)) {
      return;
    }
    if (f.pending != null) {
      f.skipped++;
    }
    f.pending = line;
    flush(false);
  }

  private void flush(boolean all) {
    long now = System.nanoTime();
    feeds.forEach(
        (exp, f) -> {
          if (f.pending != null
              && (all || f.printed == null || now - f.lastNanos >= minInterval.toNanos())) {
            String more = f.skipped > 0 ? "  (+" + f.skipped + " in between)" : "";
            out.accept(
                LocalTime.now().format(CLOCK) + "  estimate  " + exp + "  " + f.pending + more);
            f.printed = f.pending;
            f.pending = null;
            f.skipped = 0;
            f.lastNanos = now;
          }
        });
  }

  /** What has been printed for one experiment, and the newest line waiting for its turn. */
  private static final class Feed {
    String printed;
    String pending;
    int skipped;
    long lastNanos;
  }

  /**
   * One estimate as a short phrase: {@code CMR 34.2 % [30.1 – 38.0 %] from 6 runs, 240 points} or
   * the reason.
   */
  static String describe(JsonNode n) {
    String status = n.path("status").asText("unknown");
    StringBuilder s = new StringBuilder();
    if ("ok".equals(status) && n.path("cmr").isNumber()) {
      s.append("CMR ").append(Format.pct(n.path("cmr").asDouble()));
      if (n.path("cmrLow").isNumber() && n.path("cmrHigh").isNumber()) {
        s.append(" [")
            .append(Format.pct(n.path("cmrLow").asDouble()))
            .append(" – ")
            .append(Format.pct(n.path("cmrHigh").asDouble()))
            .append(']');
      }
    } else {
      s.append("no estimate yet: ").append(status.replace('_', ' '));
      String why = firstText(n, "reason", "message", "detail");
      if (why != null && !why.equals(status)) {
        s.append(" (").append(why).append(')');
      }
    }
    Integer runs = firstInt(n, "usableRuns", "runsUsed", "runs");
    Integer points = firstInt(n, "pointsUsed", "points");
    if (runs != null || points != null) {
      s.append(" — ");
      if (runs != null) {
        s.append(runs).append(runs == 1 ? " run" : " runs");
      }
      if (points != null) {
        s.append(runs != null ? ", " : "").append(points).append(" points");
      }
    }
    return s.toString();
  }

  private static String firstText(JsonNode n, String... names) {
    for (String k : names) {
      if (n.path(k).isTextual() && !n.path(k).asText().isBlank()) {
        return n.path(k).asText();
      }
    }
    return null;
  }

  private static Integer firstInt(JsonNode n, String... names) {
    for (String k : names) {
      if (n.path(k).isIntegralNumber()) {
        return n.path(k).asInt();
      }
    }
    return null;
  }

  @Override
  public void close() {
    running = false;
    consumer.wakeup();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
