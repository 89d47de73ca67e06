package io.cmrwatch.trainer.sim;

import io.cmrwatch.core.event.LossEvent;
import io.cmrwatch.core.synth.SyntheticExperiment;
import io.cmrwatch.core.synth.SyntheticGenerator;
import io.cmrwatch.kafka.topic.Topic;
import io.cmrwatch.kafka.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Publishes loss events drawn from known laws with noise (core's {@link SyntheticGenerator}) for
 * load tests and demos: N experiments of K runs, E evaluations per run after T = 0, interleaved as
 * if the runs trained side by side, at a set rate. Returns each experiment's true CMR, so that an
 * estimate can be compared with the truth.
 */
public final class Simulator {

  /**
   * What to simulate.
   *
   * @param experiments number of experiments
   * @param runsPerExperiment ratios per experiment (2–12)
   * @param evalsPerRun evaluations per run after T = 0 (at most what the generator draws, 40–80)
   * @param rate events per second (0: as fast as the broker takes them)
   * @param seed seed of the first experiment; experiment i uses seed + i
   * @param bootstrap Kafka bootstrap servers
   * @param topicPrefix topic-name prefix
   */
  public record Options(
      int experiments,
      int runsPerExperiment,
      int evalsPerRun,
      double rate,
      long seed,
      String bootstrap,
      String topicPrefix) {
    public Options {
      if (experiments < 1) {
        throw new IllegalArgumentException("--experiments must be >= 1, got " + experiments);
      }
      if (runsPerExperiment < 2 || runsPerExperiment > 12) {
        throw new IllegalArgumentException(
            "--runs-per-experiment must be 2..12, got " + runsPerExperiment);
      }
      if (evalsPerRun < 1) {
        throw new IllegalArgumentException("--evals-per-run must be >= 1, got " + evalsPerRun);
      }
      if (!(rate >= 0)) {
        throw new IllegalArgumentException(
            "--rate must be >= 0 events per second (0 = unthrottled), got " + rate);
      }
    }
  }

  /**
   * What was published.
   *
   * @param trueCmr each experiment's true CMR at its budget
   * @param published events acknowledged by the broker
   * @param failed events that could not be published
   * @param seconds wall-clock time
   */
  public record Result(Map<String, Double> trueCmr, int published, int failed, double seconds) {}

  /**
   * The events of the simulation, in publishing order (no Kafka); run ids are made unique across
   * experiments.
   */
  public static List<LossEvent> events(Options o, Map<String, Double> trueCmr) {
    SyntheticGenerator generator = new SyntheticGenerator(o.runsPerExperiment(), 0.05, 1000.0);
    List<LossEvent> all = new ArrayList<>();
    for (int i = 0; i < o.experiments(); i++) {
      SyntheticExperiment x = generator.generate(o.seed() + i);
      trueCmr.put(x.experiment(), x.trueCmr());
      Map<String, List<LossEvent>> byRun = new LinkedHashMap<>();
      for (LossEvent e : x.events()) {
        byRun.computeIfAbsent(e.run(), k -> new ArrayList<>()).add(e);
      }
      for (List<LossEvent> run : byRun.values()) {
        for (LossEvent e : thin(run, o.evalsPerRun())) {
          // Run ids such as r100 repeat across experiments: make them unique, so that each is one
          // run wherever it is shown.
          String runId = x.experiment() + "-" + e.run();
          all.add(e.toBuilder().run(runId).eventId(x.experiment() + "-" + e.eventId()).build());
        }
      }
    }
    // Interleave as live runs would report: by progress through the budget.
    all.sort(
        Comparator.comparingDouble((LossEvent e) -> (double) e.tokens() / e.budgetTokens())
            .thenComparing(LossEvent::run));
    return all;
  }

  // T = 0 plus `evals` evaluations spread evenly over the rest (all of them when there are fewer).
  private static List<LossEvent> thin(List<LossEvent> run, int evals) {
    List<LossEvent> later = run.subList(1, run.size());
    if (later.size() <= evals) {
      return run;
    }
    List<LossEvent> out = new ArrayList<>();
    out.add(run.get(0));
    for (int i = 1; i <= evals; i++) {
      out.add(later.get((int) Math.round((double) i * later.size() / evals) - 1));
    }
    return out;
  }

  /** Publishes the simulation and returns the truth and the counts. */
  public Result run(Options o) throws InterruptedException {
    Map<String, Double> truth = new LinkedHashMap<>();
    List<LossEvent> events = events(o, truth);
    Topic<String, LossEvent> topic = Topics.withPrefix(o.topicPrefix()).lossEvents();
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.bootstrap());
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    AtomicInteger published = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicReference<Exception> firstError = new AtomicReference<>();
    long start = System.nanoTime();
    try (KafkaProducer<String, LossEvent> producer = topic.producer(p)) {
      for (int i = 0; i < events.size(); i++) {
        if (o.rate() > 0) {
          // Event i is due at start + i / rate.
          long due = start + (long) (i / o.rate() * 1e9);
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        LossEvent e = events.get(i);
        producer.send(
            topic.record(e.experiment(), e),
            (meta, error) -> {
              if (error == null) {
                published.incrementAndGet();
              } else {
                failed.incrementAndGet();
                firstError.compareAndSet(null, error);
              }
            });
      }
      producer.flush();
    }
    if (firstError.get() != null && published.get() == 0) {
      throw new IllegalStateException(
          "no event reached "
              + topic.name()
              + " at "
              + o.bootstrap()
              + " ("
              + firstError.get()
              + ") — start a broker with `cmrwatch broker` or pass --bootstrap",
          firstError.get());
    }
    return new Result(
        truth,
        published.get(),
        failed.get(),
        Duration.ofNanos(System.nanoTime() - start).toMillis() / 1000.0);
  }
}
