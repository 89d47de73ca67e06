package io.cmrwatch.cli.demo;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.event.LossEventCodec;
import io.cmrwatch.kafka.topic.Topics;
import io.cmrwatch.trainer.agent.EventPublisher;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Replays recorded loss events (a JSONL dataset such as {@code data/real-cpt/*.jsonl}) as if their
 * runs were training side by side: evaluation rounds in token order, one round per {@code pace}.
 * Optionally keeps only some runs, and writes every CMR estimate the streams app publishes to a
 * JSONL file, so that the estimate's convergence over tokens can be plotted.
 */
final class ReplayWorkload implements Workload {

  private final Path file;
  private final List<LossEvent> events;
  private final String experiment;
  private final long budget;
  private final Duration pace;
  private final Path estimatesOut;
  private volatile Recorder recorder;

  private ReplayWorkload(
      Path file, List<LossEvent> events, Duration pace, Path estimatesOut, long budget) {
    this.file = file;
    this.events = events;
    this.experiment = events.get(0).experiment();
    this.budget = budget;
    this.pace = pace;
    this.estimatesOut = estimatesOut;
  }

  /**
   * Reads the dataset; {@code runs} (null or empty: all) keeps only those runs. Fails with a clear
   * message on a missing file, a bad line, no events, several experiments or unknown runs.
   */
  static ReplayWorkload of(Path file, Set<String> runs, Duration pace, Path estimatesOut) {
    List<LossEvent> events = new ArrayList<>();
    Set<String> seen = new TreeSet<>();
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read the events to replay from " + file + ": " + e.getMessage(), e);
    }
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).isBlank()) {
        continue;
      }
      LossEvent e;
      try {
        e = LossEventCodec.decode(lines.get(i));
      } catch (RuntimeException bad) {
        throw new IllegalArgumentException(
            file + " line " + (i + 1) + " is not a loss event: " + bad.getMessage(), bad);
      }
      seen.add(e.run());
      if (runs == null || runs.isEmpty() || runs.contains(e.run())) {
        events.add(e);
      }
    }
    if (runs != null && !runs.isEmpty() && !seen.containsAll(runs)) {
      Set<String> unknown = new TreeSet<>(runs);
      unknown.removeAll(seen);
      throw new IllegalArgumentException(
          "--replay-runs names runs that "
              + file
              + " does not hold: "
              + unknown
              + "; it has "
              + seen);
    }
    if (events.isEmpty()) {
      throw new IllegalArgumentException("no loss events to replay in " + file);
    }
    Set<String> experiments = new TreeSet<>();
    Set<Long> budgets = new TreeSet<>();
    for (LossEvent e : events) {
      experiments.add(e.experiment());
      if (e.budgetTokens() != null) {
        budgets.add(e.budgetTokens());
      }
    }
    if (experiments.size() != 1 || budgets.size() != 1) {
      throw new IllegalArgumentException(
          "a replay is of one experiment with one budget; "
              + file
              + " holds experiments "
              + experiments
              + " with budgets "
              + budgets);
    }
    // As if the runs trained side by side: all runs' evaluations at 0 tokens, then at the next
    // token count, and so on.
    events.sort(Comparator.comparingLong(LossEvent::tokens).thenComparing(LossEvent::run));
    return new ReplayWorkload(file, events, pace, estimatesOut, budgets.iterator().next());
  }

  @Override
  public String experiment() {
    return experiment;
  }

  @Override
  public String describe() {
    Map<String, Double> ratios = new TreeMap<>();
    events.forEach(e -> ratios.put(e.run(), e.ratio()));
    return String.format(
        Locale.ROOT,
        "replay of %s (experiment %s: %d runs at domain shares %s, budget %s tokens, %d evaluations)",
        file,
        experiment,
        ratios.size(),
        ratios.values().stream().sorted().distinct().map(Format::pct).toList(),
        Format.tokens(budget),
        events.size());
  }

  // As for real training: the paper's unit is 1/100 of its budget.
  @Override
  public Map<String, String> streamsSettings() {
    return Map.of("cmrwatch.defaults.token-unit", Double.toString(budget / 100.0));
  }

  @Override
  public String run(String bootstrap, Instant deadline, Consumer<String> out) throws Exception {
    Topics topics = Topics.defaults();
    if (estimatesOut != null) {
      recorder = new Recorder(bootstrap, topics.cmrEstimates().name(), estimatesOut);
      recorder.start();
    }
    long t0 = System.nanoTime();
    int sent = 0;
    int rounds = 0;
    try (EventPublisher publisher = new EventPublisher(bootstrap, topics.lossEvents())) {
      int i = 0;
      while (i < events.size()) {
        long tokens = events.get(i).tokens();
        while (i < events.size() && events.get(i).tokens() == tokens) {
          publisher.publish(events.get(i++));
          sent++;
        }
        rounds++;
        Thread.sleep(pace.toMillis());
      }
    }
    return String.format(
        Locale.ROOT,
        "replay: %d events in %d evaluation rounds published in %.0f s",
        sent,
        rounds,
        (System.nanoTime() - t0) / 1e9);
  }

  @Override
  public void close() throws Exception {
    Recorder r = recorder;
    if (r != null) {
      r.close();
    }
  }

  /**
   * Appends every estimate on the estimate topic (read-committed, from the beginning) to a file.
   */
  private static final class Recorder extends Thread implements AutoCloseable {
    private final KafkaConsumer<String, String> consumer;
    private final String topic;
    private final BufferedWriter writer;
    private volatile boolean running = true;

    Recorder(String bootstrap, String topic, Path file) throws IOException {
      super("cmrwatch-replay-estimates");
      setDaemon(true);
      Properties p = new Properties();
      p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
      p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      p.put(ConsumerConfig.CLIENT_ID_CONFIG, "cmrwatch-replay-estimates");
      this.consumer = new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
      this.topic = topic;
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      this.writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
    }

    @Override
    public void run() {
      try {
        while (running) {
          List<PartitionInfo> parts = consumer.partitionsFor(topic, Duration.ofSeconds(5));
          if (parts != null && !parts.isEmpty()) {
            consumer.assign(
                parts.stream().map(pi -> new TopicPartition(pi.topic(), pi.partition())).toList());
            break;
          }
          Thread.sleep(500);
        }
        while (running) {
          for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
            writer.write(r.value());
            writer.newLine();
          }
          writer.flush();
        }
      } catch (WakeupException | InterruptedException e) {
        // close() asked us to stop.
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the estimates file", e);
      } finally {
        consumer.close(Duration.ofSeconds(5));
        try {
          writer.close();
        } catch (IOException e) {
          // Everything read was flushed after its poll.
        }
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      consumer.wakeup();
      join(10_000);
    }
  }
}
